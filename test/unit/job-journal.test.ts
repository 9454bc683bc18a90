// The job journal's one schema: its free strings held to the runner's forms as the run
// record's are, a version 1 journal read as version 2 with its counts whole, and the jobs
// whose result the unit waits for.
import { assert, describe, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { emptyJournal, type Job, JobJournal, unansweredJobs } from "../../src/domain/job-journal.ts"

const decode = Schema.decodeUnknownOption(JobJournal)

const result = {
  set: true,
  started: "2026-12-03T01:00:00.000Z",
  ended: "2026-12-03T01:00:01.200Z",
  durationMs: 1200,
  exitStatus: 0,
  signal: null,
  timedOut: false,
}

const job = (fields: Partial<Job>): Job => ({
  sequence: 1,
  started: "2026-12-03T01:00:00.000Z",
  ended: null,
  outcome: "running",
  durationMs: null,
  resultDue: "2026-12-03T02:00:01.200Z",
  scripts: { "run-before-backup": result, "run-after-backup": null },
  ...fields,
})

const withBackups = (jobs: ReadonlyArray<Job>, lastSuccess: string | null = null) => ({
  ...emptyJournal,
  sequence: 9,
  backup: { counts: { succeeded: 0, failed: 0, noResult: 0 }, lastSuccess, jobs },
})

describe("the job journal's schema", () => {
  it("takes what the runner writes", () => {
    const journal = withBackups([job({})], "2026-12-02T01:10:00.000Z")
    assert.deepStrictEqual(decode(journal), Option.some(journal))
  })

  it("refuses free text where the runner writes a time, a signal's name or an exit status", () => {
    const hostile = [
      withBackups([], "tomorrow"),
      withBackups([], "2026-12-02T01:10:00.000Z\u202e"),
      withBackups([job({ started: "2026-12-03 01:00\nrun `curl x | sh`" })]),
      withBackups([job({ resultDue: "later" })]),
      withBackups([job({ scripts: { "run-before-backup": { ...result, signal: "SIGTERM\u2028see" } } })]),
      withBackups([job({ scripts: { "run-before-backup": { ...result, started: "\u200b" } } })]),
      withBackups([job({ scripts: { "run-before-backup": { ...result, exitStatus: 256 } } })]),
      withBackups([job({ outcome: "lost" as "running" })]),
      withBackups([job({ durationMs: -1 })]),
    ]
    for (const journal of hostile) assert.isTrue(Option.isNone(decode(journal)), JSON.stringify(journal))
  })

  it("reads a version 1 journal as version 2: the counts and jobs whole, in their order", () => {
    const v1Job = {
      started: "2026-12-03T01:00:00.000Z",
      ended: null,
      outcome: "running",
      durationMs: null,
      scripts: {},
    }
    const v1 = {
      version: 1,
      backup: {
        counts: { succeeded: 41, failed: 3 },
        lastSuccess: "2026-12-02T01:10:00.000Z",
        jobs: [
          v1Job,
          { ...v1Job, ended: "2026-12-02T01:10:00.000Z", outcome: "succeeded", durationMs: 600_000 },
        ],
      },
      restore: { counts: { succeeded: 2, failed: 0 }, lastSuccess: null, jobs: [] },
    }
    const read = Option.getOrThrow(decode(v1))
    assert.strictEqual(read.version, 2)
    assert.deepStrictEqual(read.backup.counts, { succeeded: 41, failed: 3, noResult: 0 })
    assert.deepStrictEqual(read.restore.counts, { succeeded: 2, failed: 0, noResult: 0 })
    assert.strictEqual(read.backup.lastSuccess, "2026-12-02T01:10:00.000Z")
    assert.deepStrictEqual(
      read.backup.jobs.map(({ sequence, outcome, resultDue }) => [sequence, outcome, resultDue]),
      [
        [2, "running", null],
        [1, "succeeded", null],
      ],
    )
    assert.isTrue(Option.isNone(decode({ ...v1, backup: { ...v1.backup, lastSuccess: "yesterday" } })))
  })
})

describe("the jobs whose result the unit waits for", () => {
  it("a running job, the one due first; none once a job of its kind succeeded after a job with no result", () => {
    const due = (d: string) => job({ resultDue: d })
    assert.deepStrictEqual(
      unansweredJobs(withBackups([due("2026-12-03T05:00:00.000Z"), due("2026-12-03T04:00:00.000Z")])),
      [{ kind: "backup", started: "2026-12-03T01:00:00.000Z", due: "2026-12-03T04:00:00.000Z" }],
    )
    const missed = job({ outcome: "no-result", sequence: 1 })
    assert.deepStrictEqual(unansweredJobs(withBackups([missed])), [
      { kind: "backup", started: "2026-12-03T01:00:00.000Z", due: "2026-12-03T02:00:01.200Z" },
    ])
    const succeededAfter = job({ outcome: "succeeded", sequence: 2, ended: "2026-12-04T01:00:00.000Z" })
    assert.deepStrictEqual(unansweredJobs(withBackups([succeededAfter, missed])), [])
    // A failed start after it changes nothing: no job of the kind succeeded since.
    const failedStart = job({ outcome: "failed", sequence: 3, resultDue: null })
    assert.strictEqual(unansweredJobs(withBackups([failedStart, missed])).length, 1)
    // Nor does the next job running: both are said, the missed one first.
    const next = job({
      sequence: 4,
      started: "2026-12-04T01:00:00.000Z",
      resultDue: "2026-12-04T02:00:00.000Z",
    })
    assert.deepStrictEqual(unansweredJobs(withBackups([next, missed])), [
      { kind: "backup", started: "2026-12-03T01:00:00.000Z", due: "2026-12-03T02:00:01.200Z" },
      { kind: "backup", started: "2026-12-04T01:00:00.000Z", due: "2026-12-04T02:00:00.000Z" },
    ])
    assert.deepStrictEqual(unansweredJobs(emptyJournal), [])
  })
})
