import * as Result from "effect/Result"
import type { ConfigFailure } from "./failures.ts"
import { parseFileset } from "./fileset.ts"
import type { CharmConfigValues } from "./options.ts"
import { parseScripts, type Script } from "./scripts.ts"

/** What a valid configuration asks for: the paths to back up and the scripts to install. */
export interface DesiredState {
  readonly fileset: ReadonlyArray<string>
  readonly scripts: ReadonlyArray<Script>
}

/** The configuration checked in the spec's order: fileset first, then each run-* option. */
export const desiredStateOf = (config: CharmConfigValues): Result.Result<DesiredState, ConfigFailure> =>
  Result.flatMap(parseFileset(config.fileset), (fileset) =>
    Result.map(parseScripts(config), (scripts) => ({ fileset, scripts })),
  )
