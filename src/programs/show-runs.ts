import * as Effect from "effect/Effect"
import { ActionContext } from "../layers/ActionContext.ts"
import { RunRecords } from "../layers/RunRecords.ts"
import { ScriptStore } from "../layers/ScriptStore.ts"
import { installedSecrets, runResults } from "./run-script.ts"

/**
 * `show-runs`: the recorded runs of each installed script, newest first
 * (`<option>.run-1.result`, `.started`, `.ended`, `.duration`, `.output`), in one `action-set`,
 * the credential values hidden from the output.
 */
export const showRuns = Effect.gen(function* () {
  const { scripts } = yield* (yield* ScriptStore).inventory
  const records = yield* RunRecords
  const secrets = yield* installedSecrets
  const results: Record<string, string> = {}
  for (const script of scripts) {
    const runs = yield* records.recent(script)
    if (runs.length === 0) results[script] = "no run recorded yet"
    runs.forEach((run, i) => {
      for (const [key, value] of Object.entries(runResults(run, secrets)))
        results[`${script}.run-${i + 1}.${key}`] = value
    })
  }
  yield* (yield* ActionContext).set(scripts.length === 0 ? { scripts: "none is set" } : results)
})
