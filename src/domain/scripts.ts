import * as Result from "effect/Result"
import { InvalidScript } from "./failures.ts"
import { type CharmConfigValues, type ScriptOption, scriptOptions } from "./options.ts"

/** A script to install, named by the option that holds it. */
export interface Script {
  readonly option: ScriptOption
  readonly content: string
}

/**
 * The scripts set in the configuration, in option order. Unset or blank means "no script";
 * Bacula executes scripts directly, so one without a `#!` line would fail at backup time.
 */
export const parseScripts = (
  config: CharmConfigValues,
): Result.Result<ReadonlyArray<Script>, InvalidScript> => {
  const scripts: Array<Script> = []
  for (const option of scriptOptions) {
    const content = config[option]
    if (content === undefined || content.trim() === "") continue
    if (!content.startsWith("#!")) return Result.fail(new InvalidScript({ option }))
    scripts.push({ option, content })
  }
  return Result.succeed(scripts)
}
