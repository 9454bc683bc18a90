import * as Schema from "effect/Schema"
import { maxBackupMaxAge } from "./backup-max-age.ts"
import { ScriptTimeout } from "./script-timeout.ts"

const AbsolutePath = Schema.String.check(Schema.isPattern(/^\//))

/**
 * `runner.json`, the one description of what the charm tells the runner: ScriptStore writes
 * it with this schema, and the runner (src/runner/settings.py) reads the same keys
 * (test/integration/shared-files.test.ts holds both sides to it). A Struct with a key per
 * setting, so that a new one (a fileset, more directories) is one more key here and in
 * settings.py; the encoded JSON keeps the order of the keys below. The runner passes over
 * keys it does not know, so that it can be older than the file.
 */
export const RunnerSettings = Schema.Struct({
  /** `script-timeout`: the limit on each run; absent, none. */
  timeout: Schema.optionalKey(ScriptTimeout),
  /** The credentials directory the scripts get as `$CREDENTIALS_DIRECTORY`; absent, none. */
  credentials: Schema.optionalKey(AbsolutePath),
  /** The textfile directories the runner writes its metrics in, those that exist. */
  metricsDirectories: Schema.Array(AbsolutePath),
  /** `backup-max-age`, the metrics' deadline; absent, none (the option is unset). */
  backupMaxAge: Schema.optionalKey(
    Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: maxBackupMaxAge })),
  ),
})
export type RunnerSettings = typeof RunnerSettings.Type

/** The file's bytes, as ScriptStore compares them with what is on disk; a value the runner would not keep throws. */
export const encodeRunnerSettings = (settings: RunnerSettings): string =>
  `${Schema.encodeSync(Schema.fromJsonString(RunnerSettings))(settings)}\n`
