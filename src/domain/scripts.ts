import * as Result from "effect/Result"
import { InvalidScript } from "./failures.ts"
import { type CharmConfigValues, type ScriptOption, scriptOptions } from "./options.ts"

/** A script to install, named by the option that holds it. */
export interface Script {
  readonly option: ScriptOption
  readonly content: string
}

/**
 * The scripts set in the configuration, in option order. Unset or blank means "no script".
 * A script without a `#!` line is fine: Bacula starts scripts with `execvp`, which runs such
 * a file with `/bin/sh`. One with Windows line endings is not: its `#!` line would name an
 * interpreter `/bin/sh\r` that does not exist, and every line would end in a stray CR. Nor
 * is one that starts with a byte-order mark (as some Windows editors save UTF-8): the kernel
 * would not see its `#!` line, and `/bin/sh` would run a bash or Python script. It is refused,
 * not stripped: the script is installed byte for byte, as the operator wrote it.
 */
export const parseScripts = (
  config: CharmConfigValues,
): Result.Result<ReadonlyArray<Script>, InvalidScript> => {
  const scripts: Array<Script> = []
  for (const option of scriptOptions) {
    const content = config[option]
    if (content === undefined || content.trim() === "") continue
    if (content.startsWith("\uFEFF"))
      return Result.fail(new InvalidScript({ option, problem: "byte-order-mark" }))
    if (content.includes("\r\n")) return Result.fail(new InvalidScript({ option, problem: "crlf" }))
    scripts.push({ option, content })
  }
  return Result.succeed(scripts)
}
