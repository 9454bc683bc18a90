import * as Schema from "effect/Schema"
import * as SchemaGetter from "effect/SchemaGetter"
import { Count, ExitStatus, IsoTime, SignalName } from "./runner-fields.ts"

/** What the journal keeps of one run of a job's script: the run record's fields (src/domain/run-record.ts). */
export const ScriptResult = Schema.Struct({
  /** False when the option had no script: the runner stood in for bacula-fd's no-op. */
  set: Schema.Boolean,
  started: IsoTime,
  ended: IsoTime,
  durationMs: Count,
  exitStatus: Schema.NullOr(ExitStatus),
  signal: Schema.NullOr(SignalName),
  timedOut: Schema.Boolean,
})
export type ScriptResult = typeof ScriptResult.Type

/**
 * `no-result`: its before-script succeeded and its after-script had not run by `resultDue`
 * (Bacula failed or cancelled it after the before-script: storage or network down, a full
 * volume), as the next run of its kind found it.
 */
export const JobOutcome = Schema.Literals(["running", "succeeded", "failed", "no-result"])
export type JobOutcome = typeof JobOutcome.Type

const scriptsOfJob = {
  "run-before-backup": Schema.optionalKey(Schema.NullOr(ScriptResult)),
  "run-after-backup": Schema.optionalKey(Schema.NullOr(ScriptResult)),
  "run-before-restore": Schema.optionalKey(Schema.NullOr(ScriptResult)),
  "run-after-restore": Schema.optionalKey(Schema.NullOr(ScriptResult)),
}

/**
 * One Bacula job as the runners at the published paths saw it: started by its before-script's
 * run, ended by an after-script's, the oldest running job first (how the runner pairs them,
 * and what it cannot tell: docs/explanation.md).
 */
export const Job = Schema.Struct({
  /** The sequence number of the run that opened it (src/runner/journal.py): what orders jobs. */
  sequence: Count,
  /** The before-script's start; null when the job started before the journal did. */
  started: Schema.NullOr(IsoTime),
  /** The after-script's end, or the failed before-script's; null while running, or when it never ended. */
  ended: Schema.NullOr(IsoTime),
  outcome: JobOutcome,
  durationMs: Schema.NullOr(Count),
  /**
   * When its result is overdue: the before-script's end plus the window its kind's history
   * gives (src/runner/journal.py); null for a job that failed at its start or started unseen.
   */
  resultDue: Schema.NullOr(IsoTime),
  /** The job's two scripts (its kind's), each null until it ran. */
  scripts: Schema.Struct(scriptsOfJob),
})
export type Job = typeof Job.Type

/**
 * The jobs of one kind, the newest first (at most 30 ended, and every one running), running
 * totals since the journal began, and when the newest success ended, which outlives the jobs kept.
 */
export const JobsOfKind = Schema.Struct({
  counts: Schema.Struct({ succeeded: Count, failed: Count, noResult: Count }),
  lastSuccess: Schema.NullOr(IsoTime),
  jobs: Schema.Array(Job),
})
export type JobsOfKind = typeof JobsOfKind.Type

/** The jobs of one kind as runners before sequence numbers wrote them. */
const JobsOfKindV1 = Schema.Struct({
  counts: Schema.Struct({ succeeded: Count, failed: Count }),
  lastSuccess: Schema.NullOr(IsoTime),
  jobs: Schema.Array(
    Schema.Struct({
      started: Schema.NullOr(IsoTime),
      ended: Schema.NullOr(IsoTime),
      outcome: Schema.Literals(["running", "succeeded", "failed"]),
      durationMs: Schema.NullOr(Count),
      scripts: Schema.Struct(scriptsOfJob),
    }),
  ),
})

/** The journal of runners before sequence numbers: read as version 2 until the next run migrates it. */
const JobJournalV1 = Schema.Struct({
  version: Schema.Literal(1),
  backup: JobsOfKindV1,
  restore: JobsOfKindV1,
})

const JobJournalV2 = Schema.Struct({
  version: Schema.Literal(2),
  /** The last sequence number handed out, to a run of any script (run-script's too). */
  sequence: Count,
  backup: JobsOfKind,
  restore: JobsOfKind,
})

/** A version 1 journal as version 2 has it: the same counts and jobs, ordered as they were. */
const fromV1 = (v1: typeof JobJournalV1.Type): typeof JobJournalV2.Type => {
  const kind = ({ counts, lastSuccess, jobs }: typeof JobsOfKindV1.Type): JobsOfKind => ({
    counts: { ...counts, noResult: 0 },
    lastSuccess,
    jobs: jobs.map((job, i) => ({ ...job, sequence: jobs.length - i, resultDue: null })),
  })
  return { version: 2, sequence: 0, backup: kind(v1.backup), restore: kind(v1.restore) }
}

/**
 * The job journal the runner (src/runner/journal.py) keeps in `<app>/jobs.json` (root only):
 * the recent backups and restores of this machine. This is the one description of its shape;
 * a version 1 journal (runners before 28) decodes to version 2 with its counts whole.
 */
export const JobJournal = Schema.Union([
  JobJournalV2,
  JobJournalV1.pipe(
    Schema.decodeTo(Schema.toType(JobJournalV2), {
      decode: SchemaGetter.transform(fromV1),
      encode: SchemaGetter.forbidden(() => "the charm never writes the journal"),
    }),
  ),
])
export type JobJournal = typeof JobJournalV2.Type

export const jobKinds = ["backup", "restore"] as const
export type JobKind = (typeof jobKinds)[number]

const noJobs: JobsOfKind = { counts: { succeeded: 0, failed: 0, noResult: 0 }, lastSuccess: null, jobs: [] }

/** No job recorded yet. */
export const emptyJournal: JobJournal = { version: 2, sequence: 0, backup: noJobs, restore: noJobs }

/** Longest journal read: 30 jobs of each kind take some 40 KB; anything far larger is not one. */
export const maxJournalBytes = 1 << 20

/** A job whose result the unit waits for, or waited for in vain: what the status and show-backups say of it. */
export interface Unanswered {
  readonly kind: JobKind
  /** Its before-script's start. */
  readonly started: string
  /** When its result is, or was, overdue. */
  readonly due: string
}

/**
 * Of each kind, the newest job that had no result unless a job of the kind succeeded after it,
 * and the running job whose result is due first. Backups first.
 */
export const unansweredJobs = (journal: JobJournal): ReadonlyArray<Unanswered> =>
  jobKinds.flatMap((kind) => {
    const { jobs } = journal[kind]
    const missed = jobs.find((job) => job.outcome === "succeeded" || job.outcome === "no-result")
    const [running] = jobs
      .filter((job) => job.outcome === "running")
      .sort((a, b) => ((a.resultDue ?? "") < (b.resultDue ?? "") ? -1 : 1))
    return [missed?.outcome === "no-result" ? missed : undefined, running].flatMap((job) =>
      job === undefined || job.started === null || job.resultDue === null
        ? []
        : [{ kind, started: job.started, due: job.resultDue }],
    )
  })
