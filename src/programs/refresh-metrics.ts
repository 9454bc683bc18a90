import * as Effect from "effect/Effect"
import { MetricsFiles } from "../layers/MetricsFiles.ts"
import { ScriptRunner } from "../layers/ScriptRunner.ts"
import type { InstalledRunner } from "../layers/ScriptStore.ts"
import { reportMetricsAnswer } from "./report-metrics-answer.ts"

/**
 * Has the runner write the application's metrics when its settings changed since they were
 * written (or a directory lacks them), and delete them from a directory no longer listed: a
 * new unit then shows `no backup yet`, a new backup-max-age or directory shows before the next
 * job, and an old directory keeps no file. The runner alone renders and touches them.
 */
export const refreshMetrics = Effect.fn("refreshMetrics")(function* (
  runners: ReadonlyArray<InstalledRunner>,
  directories: ReadonlyArray<string>,
) {
  const [runner] = runners
  if (runner === undefined || !(yield* (yield* MetricsFiles).stale(directories))) return
  yield* reportMetricsAnswer(yield* (yield* ScriptRunner).writeMetrics(runner.path))
})
