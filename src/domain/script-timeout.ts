import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { parseDuration } from "./duration.ts"
import { InvalidScriptTimeout } from "./failures.ts"

/** At most a week: a script still running after that is not running a backup. */
export const maxScriptTimeout = 7 * 24 * 3600

/** A limit the runner keeps, in whole seconds, as runner.json and the run record hold it. */
export const ScriptTimeout = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: maxScriptTimeout }))

/**
 * `script-timeout`: how long a run-* script may take before the runner stops it. Unset or
 * blank means no limit, as without the option.
 */
export const parseScriptTimeout = (
  value: string | undefined,
): Result.Result<number | undefined, InvalidScriptTimeout> =>
  Result.mapError(
    parseDuration(value, maxScriptTimeout, "7 days"),
    (reason) => new InvalidScriptTimeout({ reason }),
  )
