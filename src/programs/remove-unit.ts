import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { ScriptRunner } from "../layers/ScriptRunner.ts"
import { ScriptStore } from "../layers/ScriptStore.ts"
import { reportMetricsAnswer } from "./report-metrics-answer.ts"

/**
 * `remove`: the unit's files go; with the last unit of the application on the machine, its
 * metrics files first (the runner deletes them from every directory it wrote them in), so that
 * no exporter goes on serving the series of an application that is gone. Without the runner's
 * interpreter no runner wrote any.
 */
export const removeUnit = Effect.gen(function* () {
  const store = yield* ScriptStore
  const runner = yield* store.lastUnitRunner
  if (Option.isSome(runner) && (yield* store.interpreterPresent))
    yield* reportMetricsAnswer(yield* (yield* ScriptRunner).removeMetrics(runner.value))
  yield* store.removeAll
})
