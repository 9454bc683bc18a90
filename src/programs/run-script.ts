import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { shownOutput } from "../domain/action-text.ts"
import { runnerPath } from "../domain/machine-paths.ts"
import { ScriptOption, scriptOptions } from "../domain/options.ts"
import { secretTexts } from "../domain/redaction.ts"
import { durationOf, outcomeText, type RunRecord, succeeded } from "../domain/run-record.ts"
import { ActionContext } from "../layers/ActionContext.ts"
import { InstalledCredentials } from "../layers/InstalledCredentials.ts"
import { JujuContext } from "../layers/JujuContext.ts"
import { RunRecords } from "../layers/RunRecords.ts"
import { ScriptRunner } from "../layers/ScriptRunner.ts"
import { ScriptStore } from "../layers/ScriptStore.ts"
import { updateStatus } from "./update-status.ts"

/**
 * A run as action results: how it ended, when, how long, and the tail of its output, the
 * credential values (`secrets`) hidden and control characters escaped. Every other field is
 * one the record's schema holds to what the runner writes.
 */
export const runResults = (record: RunRecord, secrets: ReadonlyArray<string>): Record<string, string> => ({
  result: outcomeText(record),
  started: record.started,
  ended: record.ended,
  duration: durationOf(record),
  ...(record.output === ""
    ? {}
    : {
        output: shownOutput(record.output, secrets, {
          // The runner kept the tail of more: its first line may begin inside a value.
          cutBefore: record.outputBytes > new TextEncoder().encode(record.output).length,
        }),
      }),
})

/** The texts that would give away a credential installed on this machine. */
export const installedSecrets = Effect.gen(function* () {
  return secretTexts(yield* (yield* InstalledCredentials).values)
})

const isScriptOption = Schema.is(ScriptOption)

/**
 * `run-script name=<option>`: runs one installed script now, through its runner as Bacula
 * would (the same record, the same time limit), and returns how it ended; the action fails
 * when the script fails or is not set. The unit status follows the run at once.
 */
export const runScript = Effect.gen(function* () {
  const action = yield* ActionContext
  const { name } = yield* action.params
  if (!isScriptOption(name)) return yield* action.fail(`name must be one of ${scriptOptions.join(", ")}`)
  const { optDir, appName } = yield* JujuContext
  if (!(yield* (yield* ScriptStore).inventory).scripts.includes(name)) {
    return yield* action.fail(`${name} is not set: juju config ${appName} ${name}=@script.sh`)
  }
  yield* action.log(`running ${name} as Bacula runs it`)
  const exit = yield* (yield* ScriptRunner).run(runnerPath(optDir, appName, name))
  const record = (yield* (yield* RunRecords).recent(name)).find(({ pid }) => pid === exit.pid)
  const secrets = yield* installedSecrets
  if (record === undefined) {
    // The runner could not record the run (its stderr, in the output, says why).
    const result = exit.signal === null ? `exit status ${exit.exitStatus}` : `killed by ${exit.signal}`
    // The last 4 KiB of what it printed: it may begin inside a value.
    const output = shownOutput(exit.output, secrets, { cutBefore: true })
    yield* action.set({ result, output, record: "not written" })
    if (exit.exitStatus !== 0) yield* action.fail(`${name} failed: ${result}`)
  } else {
    yield* action.set(runResults(record, secrets))
    if (!succeeded(record)) yield* action.fail(`${name} failed: ${outcomeText(record)}`)
  }
  yield* updateStatus
})
