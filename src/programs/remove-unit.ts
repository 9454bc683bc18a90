import * as Effect from "effect/Effect"
import { MetricsFiles } from "../layers/MetricsFiles.ts"
import { ScriptStore } from "../layers/ScriptStore.ts"

/**
 * `remove`: the unit's files go; with the last unit of the application on the machine, its
 * metrics files too (in the directories its runner's settings named), so that no exporter
 * goes on serving the series of an application that is gone.
 */
export const removeUnit = Effect.gen(function* () {
  const metrics = yield* MetricsFiles
  const directories = yield* metrics.listed
  yield* (yield* ScriptStore).removeAll
  yield* metrics.removeIfGone(directories)
})
