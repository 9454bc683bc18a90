import * as Schema from "effect/Schema"
import { ScriptOption } from "./options.ts"

/** The fileset option is unset, or holds no path once split and trimmed. */
export class MissingFileset extends Schema.TaggedError<MissingFileset>()("MissingFileset", {}) {}

/** The first fileset path that breaks a rule, and the rule it breaks. */
export class InvalidFileset extends Schema.TaggedError<InvalidFileset>()("InvalidFileset", {
  path: Schema.String,
  reason: Schema.String,
}) {}

/**
 * Why a script would not run as written: Windows line endings (its `#!` line would name
 * `/bin/sh\r`), or a byte-order mark before its `#!` (the kernel would not see the line, and
 * Bacula would run it with `/bin/sh`).
 */
export const ScriptProblem = Schema.Literals(["crlf", "byte-order-mark"])
export type ScriptProblem = typeof ScriptProblem.Type

/** A set run-* option whose script could not be executed by Bacula as written. */
export class InvalidScript extends Schema.TaggedError<InvalidScript>()("InvalidScript", {
  option: ScriptOption,
  problem: ScriptProblem,
}) {}

/** `script-timeout` is set but is not a duration the runner can keep. */
export class InvalidScriptTimeout extends Schema.TaggedError<InvalidScriptTimeout>()("InvalidScriptTimeout", {
  reason: Schema.String,
}) {}

/** `backup-max-age` is set but is not a duration the check can keep. */
export class InvalidBackupMaxAge extends Schema.TaggedError<InvalidBackupMaxAge>()("InvalidBackupMaxAge", {
  reason: Schema.String,
}) {}

/** `metrics-directory` is not an absolute path the runner can write in. */
export class InvalidMetricsDirectory extends Schema.TaggedError<InvalidMetricsDirectory>()(
  "InvalidMetricsDirectory",
  {},
) {}

/** `credentials` is set to something that is not a secret URI. */
export class InvalidCredentials extends Schema.TaggedError<InvalidCredentials>()("InvalidCredentials", {}) {}

/** `secret-get` refused the credentials secret: not granted to the application, removed, or unreadable. */
export class SecretUnreadable extends Schema.TaggedError<SecretUnreadable>()("SecretUnreadable", {
  uri: Schema.String,
  /** The application to grant it to. */
  app: Schema.String,
  /** What `secret-get` said: for the log, not the status. */
  reason: Schema.String,
}) {}

/** A key of the credentials secret that cannot be a file name: the key, never its value. */
export class InvalidCredentialsKey extends Schema.TaggedError<InvalidCredentialsKey>()(
  "InvalidCredentialsKey",
  {
    key: Schema.String,
  },
) {}

/** The runner's interpreter is missing from the machine: no script could run. */
export class RunnerUnavailable extends Schema.TaggedError<RunnerUnavailable>()("RunnerUnavailable", {
  interpreter: Schema.String,
}) {}

/** No `backup` relation to publish on (the one being broken does not count). */
export class RelationMissing extends Schema.TaggedError<RelationMissing>()("RelationMissing", {}) {}

/** A follower: the leader alone writes the application databag. */
export class NotLeader extends Schema.TaggedError<NotLeader>()("NotLeader", {}) {}

/** A hook tool that could not be run, failed, or answered something unexpected. */
export class HookToolError extends Schema.TaggedError<HookToolError>()("HookToolError", {
  tool: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `${this.tool}: ${this.reason}`
  }
}

/** A file system operation on the charm's files on the machine that failed (every disk service's error). */
export class DiskError extends Schema.TaggedError<DiskError>()("DiskError", {
  operation: Schema.String,
  path: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `cannot ${this.operation} ${this.path}: ${this.reason}`
  }
}

/** The process was not started by Juju as a hook of this charm. */
export class NotInJuju extends Schema.TaggedError<NotInJuju>()("NotInJuju", {
  reason: Schema.String,
}) {
  override get message() {
    return `not running as a Juju hook: ${this.reason}`
  }
}

/** Configuration the operator has to fix: the unit is blocked until then. */
export const ConfigFailure = Schema.Union([
  MissingFileset,
  InvalidFileset,
  InvalidScript,
  InvalidScriptTimeout,
  InvalidBackupMaxAge,
  InvalidCredentials,
  InvalidMetricsDirectory,
])
export type ConfigFailure = typeof ConfigFailure.Type

/**
 * The credentials secret could not be installed: the rest of the configuration is applied,
 * the last good credentials stay, and the unit is blocked until it can be.
 */
export const CredentialsFailure = Schema.Union([SecretUnreadable, InvalidCredentialsKey])
export type CredentialsFailure = typeof CredentialsFailure.Type

/**
 * Outcomes that end reconcile early with a status, not with a failed hook. A schema, so
 * that the docs test can show each to `statusOf` and find its message in the reference.
 */
export const ReconcileStop = Schema.Union([
  ConfigFailure,
  RunnerUnavailable,
  CredentialsFailure,
  RelationMissing,
  NotLeader,
])
export type ReconcileStop = typeof ReconcileStop.Type

/** Faults that fail the hook so that Juju retries it. */
export type HookFault = HookToolError | DiskError | NotInJuju
