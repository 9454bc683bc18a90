import * as Schema from "effect/Schema"

/** The options that name a script, in the order they are validated and published. */
export const ScriptOption = Schema.Literals([
  "run-before-backup",
  "run-after-backup",
  "run-before-restore",
  "run-after-restore",
])
export type ScriptOption = typeof ScriptOption.Type

export const scriptOptions: ReadonlyArray<ScriptOption> = ScriptOption.literals

/**
 * What `config-get --format=json` returns for this charm. Options are strings with no
 * default, so an unset option is absent; other keys are ignored.
 */
export const CharmConfigValues = Schema.Struct({
  fileset: Schema.optionalKey(Schema.String),
  "run-before-backup": Schema.optionalKey(Schema.String),
  "run-after-backup": Schema.optionalKey(Schema.String),
  "run-before-restore": Schema.optionalKey(Schema.String),
  "run-after-restore": Schema.optionalKey(Schema.String),
  "script-timeout": Schema.optionalKey(Schema.String),
  "backup-max-age": Schema.optionalKey(Schema.String),
  /** A secret URI (`type: secret`). */
  credentials: Schema.optionalKey(Schema.String),
  "metrics-directory": Schema.optionalKey(Schema.String),
})
export type CharmConfigValues = typeof CharmConfigValues.Type
