import * as Effect from "effect/Effect"
import { MetricsFiles } from "../layers/MetricsFiles.ts"
import { ScriptRunner } from "../layers/ScriptRunner.ts"
import type { InstalledRunner } from "../layers/ScriptStore.ts"

/**
 * Has the runner write the application's metrics when its settings changed since they were
 * written (or a directory lacks them): a new unit then shows `no backup yet`, and a new
 * backup-max-age or directory shows before the next job. The runner alone renders them.
 */
export const refreshMetrics = Effect.fn("refreshMetrics")(function* (
  runners: ReadonlyArray<InstalledRunner>,
  directories: ReadonlyArray<string>,
) {
  const [runner] = runners
  if (runner === undefined || !(yield* (yield* MetricsFiles).stale(directories))) return
  yield* (yield* ScriptRunner).writeMetrics(runner.path)
})
