import * as Result from "effect/Result"
import { parseBackupMaxAge } from "./backup-max-age.ts"
import { parseCredentialsUri } from "./credentials.ts"
import type { ConfigFailure } from "./failures.ts"
import { parseFileset } from "./fileset.ts"
import { parseMetricsDirectory } from "./metrics-directory.ts"
import type { CharmConfigValues } from "./options.ts"
import { parseScriptTimeout } from "./script-timeout.ts"
import { parseScripts, type Script } from "./scripts.ts"

/**
 * What a valid configuration asks for: the paths to back up, the scripts to install, and how
 * long the runner lets each of them run (seconds; undefined: no limit).
 */
export interface DesiredState {
  readonly fileset: ReadonlyArray<string>
  readonly scripts: ReadonlyArray<Script>
  readonly timeout: number | undefined
  /** How long without a successful backup the unit may go (seconds; undefined: no check). */
  readonly maxAge: number | undefined
  /** The secret whose keys the scripts get as files, if any. */
  readonly credentials: string | undefined
  /** `metrics-directory`; undefined: Debian's node exporter's. */
  readonly metricsDirectory: string | undefined
}

/**
 * The configuration checked in the spec's order: fileset first, then each run-* option, then
 * `script-timeout`, then `backup-max-age`, then `credentials`, then `metrics-directory`.
 */
export const desiredStateOf = (config: CharmConfigValues): Result.Result<DesiredState, ConfigFailure> =>
  Result.flatMap(parseFileset(config.fileset), (fileset) =>
    Result.flatMap(parseScripts(config), (scripts) =>
      Result.flatMap(parseScriptTimeout(config["script-timeout"]), (timeout) =>
        Result.flatMap(parseBackupMaxAge(config["backup-max-age"]), (maxAge) =>
          Result.flatMap(parseCredentialsUri(config.credentials), (credentials) =>
            Result.map(parseMetricsDirectory(config["metrics-directory"]), (metricsDirectory) => ({
              fileset,
              scripts,
              timeout,
              maxAge,
              credentials,
              metricsDirectory,
            })),
          ),
        ),
      ),
    ),
  )
