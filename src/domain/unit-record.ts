import * as Schema from "effect/Schema"
import { jobKinds } from "./job-journal.ts"
import { IsoTime } from "./runner-fields.ts"
import { UnitStatus } from "./unit-status.ts"

/**
 * What a unit's last reconcile left, kept in its marker file (`units/<n>`): what update-status
 * checks instead of reconciling again, since nothing Juju knows changes without an event of
 * its own, and what the status shown was made from. `dispatch` reads what it needs of it in
 * the memo made from it (src/domain/update-status-memo.ts).
 */
export const UnitRecord = Schema.Struct({
  version: Schema.Literal(1),
  /** The charm build that wrote it (src/domain/charm-build.ts): another build's `shown` is made again. */
  build: Schema.String,
  /** The status reconcile reached, before the runs of the scripts count. */
  reconciled: UnitStatus,
  /** The status last set. */
  shown: UnitStatus,
  /** The credentials secret, while `secret-get` refuses it: update-status asks again. */
  waitingForSecret: Schema.NullOr(Schema.String),
  /** The files installed, each with its fingerprint (src/domain/file-fingerprint.ts). */
  files: Schema.Array(Schema.Struct({ path: Schema.String, fingerprint: Schema.String })),
  /** By installed script, the runs directory and its newest record when the status was set. */
  runs: Schema.Array(Schema.Struct({ directory: Schema.String, newest: Schema.NullOr(Schema.String) })),
  /** The job journal's fingerprint when the status was set: a job's run changes it. */
  journal: Schema.String,
  /** The end of the last successful backup the journal held then (ISO), if any. */
  lastBackup: Schema.NullOr(Schema.String),
  /** The jobs whose result was awaited or missed then (src/domain/job-journal.ts's unansweredJobs). */
  unanswered: Schema.Array(
    Schema.Struct({ kind: Schema.Literals(jobKinds), started: IsoTime, due: IsoTime }),
  ),
  /** `backup-max-age` in seconds, as the last reconcile read it; null: no check. */
  maxAge: Schema.NullOr(Schema.Number),
  /** When the check began (the first status with `backup-max-age` set): its start before any backup. */
  checkSince: Schema.NullOr(Schema.String),
  /**
   * When the status may change by itself (src/domain/next-status-change.ts: the
   * last backup growing older than `backup-max-age`, a job's result falling due), while that is ahead.
   */
  deadline: Schema.NullOr(Schema.String),
})
export type UnitRecord = typeof UnitRecord.Type
