import * as Schema from "effect/Schema"

/** What the journal keeps of one run of a job's script: the run record's fields (src/domain/run-record.ts). */
export const ScriptResult = Schema.Struct({
  /** False when the option had no script: the runner stood in for bacula-fd's no-op. */
  set: Schema.Boolean,
  started: Schema.String,
  ended: Schema.String,
  durationMs: Schema.Number,
  exitStatus: Schema.NullOr(Schema.Number),
  signal: Schema.NullOr(Schema.String),
  timedOut: Schema.Boolean,
})
export type ScriptResult = typeof ScriptResult.Type

export const JobOutcome = Schema.Literals(["running", "succeeded", "failed"])
export type JobOutcome = typeof JobOutcome.Type

/**
 * One Bacula job as the runners at the published paths saw it: started by its before-script's
 * run, ended by its after-script's (how the runner infers each outcome: docs/explanation.md).
 */
export const Job = Schema.Struct({
  /** The before-script's start; null when the job started before the journal did. */
  started: Schema.NullOr(Schema.String),
  /** The after-script's end, or the failed before-script's; null while running, or when it never ended. */
  ended: Schema.NullOr(Schema.String),
  outcome: JobOutcome,
  durationMs: Schema.NullOr(Schema.Number),
  /** The job's two scripts (its kind's), each null until it ran. */
  scripts: Schema.Struct({
    "run-before-backup": Schema.optionalKey(Schema.NullOr(ScriptResult)),
    "run-after-backup": Schema.optionalKey(Schema.NullOr(ScriptResult)),
    "run-before-restore": Schema.optionalKey(Schema.NullOr(ScriptResult)),
    "run-after-restore": Schema.optionalKey(Schema.NullOr(ScriptResult)),
  }),
})
export type Job = typeof Job.Type

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/**
 * The jobs of one kind, the newest first (at most 30), running totals since the journal
 * began, and when the newest success ended, which outlives the jobs kept.
 */
export const JobsOfKind = Schema.Struct({
  counts: Schema.Struct({ succeeded: Count, failed: Count }),
  lastSuccess: Schema.NullOr(Schema.String),
  jobs: Schema.Array(Job),
})
export type JobsOfKind = typeof JobsOfKind.Type

/**
 * The job journal the runner (src/runner/) keeps in `<app>/jobs.json` (root only):
 * the recent backups and restores of this machine. This is the one description of its shape.
 */
export const JobJournal = Schema.Struct({
  version: Schema.Literal(1),
  backup: JobsOfKind,
  restore: JobsOfKind,
})
export type JobJournal = typeof JobJournal.Type

export const jobKinds = ["backup", "restore"] as const
export type JobKind = (typeof jobKinds)[number]

/** No job recorded yet. */
export const emptyJournal: JobJournal = {
  version: 1,
  backup: { counts: { succeeded: 0, failed: 0 }, lastSuccess: null, jobs: [] },
  restore: { counts: { succeeded: 0, failed: 0 }, lastSuccess: null, jobs: [] },
}

/** Longest journal read: 30 jobs of each kind take some 40 KB; anything far larger is not one. */
export const maxJournalBytes = 1 << 20
