// The last backup in the unit status, and backup-max-age: the option, the rule, and
// update-status noticing the deadline and the journal with no hook-tool call until the
// status changes.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import * as TestClock from "effect/testing/TestClock"
import { parseBackupMaxAge } from "../../src/domain/backup-max-age.ts"
import type { Held, HeldPath, HeldSummary } from "../../src/domain/held.ts"
import { emptyJournal, type Job, type JobJournal } from "../../src/domain/job-journal.ts"
import { jobJournalPath } from "../../src/domain/machine-paths.ts"
import { nextStatusChange } from "../../src/domain/next-status-change.ts"
import { backupDeadline, shownStatus, type UnitStatus } from "../../src/domain/unit-status.ts"
import { appName, type FakeModel, model, optDir, putRunRecord } from "../support/fake-juju.ts"
import { putFile } from "../support/memory-file-system.ts"
import { runEvent } from "../support/run-program.ts"
import { runRecord } from "../support/run-record.ts"

const active: UnitStatus = { status: "active", message: "" }
const at = (iso: string) => Date.parse(iso)

describe("backup-max-age", () => {
  it("is a duration as script-timeout, up to 366 days; unset or blank: no check", () => {
    assert.deepStrictEqual(parseBackupMaxAge(undefined), Result.succeed(undefined))
    assert.deepStrictEqual(parseBackupMaxAge(" "), Result.succeed(undefined))
    assert.deepStrictEqual(parseBackupMaxAge("26h"), Result.succeed(26 * 3600))
    assert.deepStrictEqual(parseBackupMaxAge("8d"), Result.succeed(8 * 24 * 3600))
    assert.deepStrictEqual(parseBackupMaxAge("366d"), Result.succeed(366 * 24 * 3600))
    for (const [text, reason] of [
      ["1w", "expected a duration such as 30m, 1h30m or 90s"],
      ["0s", "must be longer than 0s"],
      ["366d1s", "longer than 366 days"],
    ] as const) {
      const parsed = parseBackupMaxAge(text)
      assert.isTrue(Result.isFailure(parsed) && parsed.failure.reason === reason, text)
    }
  })
})

describe("the status of backups", () => {
  const check = {
    lastBackup: null,
    unanswered: [],
    maxAge: null,
    checkSince: null,
    now: at("2026-12-03T12:00:00Z"),
  }

  it("active with the last backup, or none yet; below any problem of reconcile's", () => {
    assert.deepStrictEqual(shownStatus(active, [], check), { status: "active", message: "no backup yet" })
    assert.deepStrictEqual(shownStatus(active, [], { ...check, lastBackup: "2026-12-03T01:00:04.120Z" }), {
      status: "active",
      message: "last backup 2026-12-03 01:00 UTC",
    })
    const waiting: UnitStatus = { status: "waiting", message: "waiting for backup relation" }
    assert.deepStrictEqual(shownStatus(waiting, [], { ...check, maxAge: 60 }), waiting)
  })

  it("a last backup ahead of the clock stops being suspect at its very instant, when update-status wakes", () => {
    const lastBackup = "2027-01-02T01:00:00.000Z"
    const ahead = { ...check, lastBackup }
    assert.strictEqual(
      shownStatus(active, [], ahead).message,
      "last backup 2027-01-02 01:00 UTC (future: clock?)",
    )
    assert.strictEqual(nextStatusChange({ reconciled: active, backups: ahead }), at(lastBackup))
    assert.deepStrictEqual(shownStatus(active, [], { ...ahead, now: at(lastBackup) }), {
      status: "active",
      message: "last backup 2027-01-02 01:00 UTC",
    })
  })

  it("past backup-max-age: blocked since the last success, or since the check began", () => {
    const stale = { ...check, lastBackup: "2026-12-02T09:59:00.000Z", maxAge: 26 * 3600 }
    assert.deepStrictEqual(shownStatus(active, [], { ...stale, now: at("2026-12-03T11:58:59.999Z") }), {
      status: "active",
      message: "last backup 2026-12-02 09:59 UTC",
    })
    assert.deepStrictEqual(shownStatus(active, [], { ...stale, now: at("2026-12-03T11:59:00.000Z") }), {
      status: "blocked",
      message: "no successful backup since 2026-12-02 09:59 UTC (backup-max-age 26h)",
    })
    const never = { ...check, maxAge: 90 * 60, checkSince: "2026-12-03T10:00:00.000Z" }
    assert.deepStrictEqual(shownStatus(active, [], never), {
      status: "blocked",
      message: "no successful backup since 2026-12-03 10:00 UTC (backup-max-age 1h30m)",
    })
  })

  it("update-status wakes when the last backup, or else the check's start, is backup-max-age old; never unset", () => {
    const since = { ...check, checkSince: "2026-12-01T00:00:00.000Z", maxAge: 3600 }
    const lastBackup = "2026-12-02T09:59:00.000Z"
    assert.strictEqual(backupDeadline({ ...since, lastBackup }), at("2026-12-02T10:59:00.000Z"))
    assert.strictEqual(backupDeadline(since), at("2026-12-01T01:00:00.000Z"))
    assert.isUndefined(backupDeadline({ ...check, lastBackup }))
    assert.isUndefined(backupDeadline({ ...since, checkSince: null }))
  })

  // shownStatus's own `since !== null`, `maxAge !== null` and `deadline !== undefined` only
  // narrow types: with backupDeadline as tested above, their mutants (`true`) are equivalent.
  it("a failed script comes before a missing backup: it names the cause", () => {
    const failed = runRecord("run-before-backup", "2026-12-02T01:00:00.000Z", { exitStatus: 2 })
    const shown = shownStatus(active, [failed], {
      ...check,
      lastBackup: "2026-11-01T01:00:00.000Z",
      maxAge: 3600,
    })
    assert.match(shown.message, /^run-before-backup failed \(exit status 2\)/)
  })
})

const journalWith = (lastSuccess: string | null): JobJournal => ({
  ...emptyJournal,
  backup: {
    counts: { succeeded: lastSuccess === null ? 0 : 1, failed: 0, noResult: 0 },
    lastSuccess,
    jobs:
      lastSuccess === null
        ? []
        : [
            {
              sequence: 1,
              started: null,
              ended: lastSuccess,
              outcome: "succeeded",
              durationMs: null,
              resultDue: null,
              scripts: {},
            },
          ],
  },
})
const putJournal = (m: FakeModel, journal: JobJournal) =>
  putFile(m.disk, jobJournalPath(optDir, appName), JSON.stringify(journal), 0o600)

const config = { fileset: "/srv", "run-before-backup": "#!/bin/sh\necho dump\n", "backup-max-age": "26h" }
const relations = { "backup:1": {} }
const next = (m: FakeModel, event: string): FakeModel => ({ ...m, event, calls: [], logs: [] })

describe("update-status and the backups", () => {
  it.effect(
    "a backup ending: one status-set with its time; then quiet; the deadline passing: blocked, one status-set, then quiet",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(at("2026-12-03T00:00:00Z"))
        const first = yield* runEvent(model({ config, relations }))
        assert.deepStrictEqual(first.model.status, { status: "active", message: "no backup yet" })
        assert.deepStrictEqual((yield* runEvent(next(first.model, "update-status"))).model.calls, [])

        putJournal(first.model, journalWith("2026-12-03T01:00:04.120Z"))
        yield* TestClock.setTime(at("2026-12-03T01:05:00Z"))
        const ended = yield* runEvent(next(first.model, "update-status"))
        assert.deepStrictEqual(ended.model.calls, ["status-set"])
        assert.deepStrictEqual(ended.model.status, {
          status: "active",
          message: "last backup 2026-12-03 01:00 UTC",
        })
        yield* TestClock.setTime(at("2026-12-04T03:00:04.119Z"))
        assert.deepStrictEqual((yield* runEvent(next(ended.model, "update-status"))).model.calls, [])

        yield* TestClock.setTime(at("2026-12-04T03:00:04.120Z"))
        const stale = yield* runEvent(next(ended.model, "update-status"))
        assert.deepStrictEqual(stale.model.calls, ["status-set"])
        assert.deepStrictEqual(stale.model.status, {
          status: "blocked",
          message: "no successful backup since 2026-12-03 01:00 UTC (backup-max-age 26h)",
        })
        yield* TestClock.setTime(at("2026-12-05T00:00:00Z"))
        assert.deepStrictEqual((yield* runEvent(next(stale.model, "update-status"))).model.calls, [])

        putJournal(stale.model, journalWith("2026-12-05T01:00:00.000Z"))
        yield* TestClock.setTime(at("2026-12-05T01:05:00Z"))
        const again = yield* runEvent(next(stale.model, "update-status"))
        assert.deepStrictEqual(again.model.calls, ["status-set"])
        assert.deepStrictEqual(again.model.status, {
          status: "active",
          message: "last backup 2026-12-05 01:00 UTC",
        })
      }),
  )

  it.effect("never a backup: counted from the first hook that had backup-max-age; unset, no check", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(at("2026-12-03T10:00:00Z"))
      const first = yield* runEvent(model({ config, relations }))
      yield* TestClock.setTime(at("2026-12-04T12:00:00Z"))
      const later = yield* runEvent(next(first.model, "config-changed"))
      assert.deepStrictEqual(later.model.status, {
        status: "blocked",
        message: "no successful backup since 2026-12-03 10:00 UTC (backup-max-age 26h)",
      })
      const { "backup-max-age": _, ...unchecked } = config
      const off = yield* runEvent({ ...next(later.model, "config-changed"), config: unchecked })
      assert.deepStrictEqual(off.model.status, { status: "active", message: "no backup yet" })
      const bad = yield* runEvent({
        ...next(off.model, "config-changed"),
        config: { ...config, "backup-max-age": "1w" },
      })
      assert.deepStrictEqual(bad.model.status, {
        status: "blocked",
        message: "invalid backup-max-age: expected a duration such as 30m, 1h30m or 90s",
      })
    }),
  )

  it.effect(
    "a job with no result: quiet until its result is due, then blocked with one status-set, then quiet; a success clears it",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(at("2026-12-03T00:00:00Z"))
        const first = yield* runEvent(model({ config, relations }))
        const before = {
          set: true,
          started: "2026-12-03T01:00:00.000Z",
          ended: "2026-12-03T01:00:02.000Z",
          durationMs: 2000,
          exitStatus: 0,
          signal: null,
          timedOut: false,
        }
        const running: JobJournal = {
          ...emptyJournal,
          sequence: 1,
          backup: {
            counts: { succeeded: 0, failed: 0, noResult: 0 },
            lastSuccess: null,
            jobs: [
              {
                sequence: 1,
                started: before.started,
                ended: null,
                outcome: "running",
                durationMs: null,
                resultDue: "2026-12-03T13:00:02.000Z",
                scripts: { "run-before-backup": before, "run-after-backup": null },
              },
            ],
          },
        }
        putJournal(first.model, running)
        yield* TestClock.setTime(at("2026-12-03T01:00:05Z"))
        const started = yield* runEvent(next(first.model, "update-status"))
        assert.deepStrictEqual(started.model.status, { status: "active", message: "no backup yet" })
        yield* TestClock.setTime(at("2026-12-03T13:00:01.999Z"))
        assert.deepStrictEqual((yield* runEvent(next(started.model, "update-status"))).model.calls, [])

        yield* TestClock.setTime(at("2026-12-03T13:00:02.000Z"))
        const due = yield* runEvent(next(started.model, "update-status"))
        assert.deepStrictEqual(due.model.calls, ["status-set"])
        assert.deepStrictEqual(due.model.status, {
          status: "blocked",
          message:
            "no result from the backup started 2026-12-03 01:00 UTC, due 2026-12-03 13:00 UTC; see action show-backups",
        })
        yield* TestClock.setTime(at("2026-12-03T14:00:00Z"))
        assert.deepStrictEqual((yield* runEvent(next(due.model, "update-status"))).model.calls, [])

        // The next job started (the runner found the first past its due: no result), and ended well.
        const [missed] = running.backup.jobs
        putJournal(due.model, {
          ...running,
          sequence: 3,
          backup: {
            counts: { succeeded: 1, failed: 0, noResult: 1 },
            lastSuccess: "2026-12-04T01:10:00.000Z",
            jobs: [
              {
                ...(missed as Job),
                sequence: 2,
                started: "2026-12-04T01:00:00.000Z",
                ended: "2026-12-04T01:10:00.000Z",
                outcome: "succeeded",
                durationMs: 600_000,
                resultDue: "2026-12-04T13:00:02.000Z",
              },
              { ...(missed as Job), outcome: "no-result" },
            ],
          },
        })
        yield* TestClock.setTime(at("2026-12-04T01:15:00Z"))
        const cleared = yield* runEvent(next(due.model, "update-status"))
        assert.deepStrictEqual(cleared.model.calls, ["status-set"])
        assert.deepStrictEqual(cleared.model.status, {
          status: "active",
          message: "last backup 2026-12-04 01:10 UTC",
        })
      }),
  )

  it.effect(
    "a last backup ahead of the clock (the clock was set back) is said to be suspect, until the clock passes it",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(at("2026-12-03T00:00:00Z"))
        const first = yield* runEvent(model({ config, relations }))
        putJournal(first.model, journalWith("2027-01-02T01:00:00.000Z"))
        const ahead = yield* runEvent(next(first.model, "update-status"))
        assert.deepStrictEqual(ahead.model.status, {
          status: "active",
          message: "last backup 2027-01-02 01:00 UTC (future: clock?)",
        })
        yield* TestClock.setTime(at("2027-01-02T01:00:00.001Z"))
        const passed = yield* runEvent(next(ahead.model, "update-status"))
        assert.deepStrictEqual(passed.model.calls, ["status-set"])
        assert.deepStrictEqual(passed.model.status, {
          status: "active",
          message: "last backup 2027-01-02 01:00 UTC",
        })
      }),
  )

  it.effect("a follower shows its own machine's last backup too", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(at("2026-12-03T02:00:00Z"))
      const m = model({ leader: false, config, relations })
      putJournal(m, journalWith("2026-12-03T01:00:00.000Z"))
      putRunRecord(m.disk, runRecord("run-before-backup", "2026-12-03T00:59:00.000Z"))
      const { model: after } = yield* runEvent(m)
      assert.deepStrictEqual(after.status, { status: "active", message: "last backup 2026-12-03 01:00 UTC" })
    }),
  )
})

describe("show-backups", () => {
  const result = (exitStatus: number | null, durationMs: number, extra: object = {}) => ({
    set: true,
    started: "2026-12-03T01:00:00.000Z",
    ended: "2026-12-03T01:00:01.200Z",
    durationMs,
    exitStatus,
    signal: null,
    timedOut: false,
    ...extra,
  })
  const showBackups = (journal: JobJournal | undefined) =>
    Effect.gen(function* () {
      yield* TestClock.setTime(at("2026-12-04T00:00:00Z"))
      const first = yield* runEvent(model({ config, relations }))
      const m: FakeModel = {
        ...next(first.model, "show-backups"),
        action: { name: "show-backups", params: {}, results: {}, logs: [] },
      }
      if (journal !== undefined) putJournal(m, journal)
      return (yield* runEvent(m)).model
    })

  it.effect("the recent jobs of each kind, newest first, each script's result; totals; one action-set", () =>
    Effect.gen(function* () {
      const m = yield* showBackups({
        ...emptyJournal,
        backup: {
          counts: { succeeded: 41, failed: 2, noResult: 0 },
          lastSuccess: "2026-12-02T01:10:00.000Z",
          jobs: [
            {
              sequence: 3,
              started: "2026-12-03T01:00:00.000Z",
              ended: "2026-12-03T01:00:01.200Z",
              outcome: "failed",
              durationMs: 1200,
              resultDue: null,
              scripts: { "run-before-backup": result(2, 1200), "run-after-backup": null },
            },
            {
              sequence: 2,
              started: "2026-12-02T01:00:00.000Z",
              ended: "2026-12-02T01:10:00.000Z",
              outcome: "succeeded",
              durationMs: 600_000,
              resultDue: "2026-12-02T02:00:00.000Z",
              scripts: {
                "run-before-backup": result(null, 1800_000, { timedOut: true }),
                "run-after-backup": { ...result(0, 0), set: false },
              },
            },
            {
              sequence: 1,
              started: "2026-12-01T01:00:00.000Z",
              ended: null,
              outcome: "failed",
              durationMs: null,
              resultDue: null,
              scripts: { "run-before-backup": result(0, 400), "run-after-backup": null },
            },
          ],
        },
      })
      assert.deepStrictEqual(m.calls, ["action-set"])
      assert.isUndefined(m.action?.failed)
      assert.deepStrictEqual(m.action?.results, {
        "backup.succeeded": "41",
        "backup.failed": "2",
        "backup.no-result": "0",
        "backup.last-success": "2026-12-02T01:10:00.000Z",
        "backup.job-1.outcome": "failed",
        "backup.job-1.started": "2026-12-03T01:00:00.000Z",
        "backup.job-1.ended": "2026-12-03T01:00:01.200Z",
        "backup.job-1.duration": "1.2s",
        "backup.job-1.run-before-backup": "exit status 2 in 1.2s",
        "backup.job-1.run-after-backup": "did not run",
        "backup.job-2.outcome": "succeeded",
        "backup.job-2.started": "2026-12-02T01:00:00.000Z",
        "backup.job-2.ended": "2026-12-02T01:10:00.000Z",
        "backup.job-2.duration": "10m",
        "backup.job-2.run-before-backup": "timed out in 30m",
        "backup.job-2.run-after-backup": "no script",
        "backup.job-3.outcome": "failed",
        "backup.job-3.started": "2026-12-01T01:00:00.000Z",
        "backup.job-3.run-before-backup": "exit status 0 in 0.4s",
        "backup.job-3.run-after-backup": "did not run",
        "restore.succeeded": "0",
        "restore.failed": "0",
        "restore.no-result": "0",
        "restore.last-success": "none yet",
      })
    }),
  )

  it.effect("no journal yet: the totals at zero, no job", () =>
    Effect.gen(function* () {
      const m = yield* showBackups(undefined)
      assert.deepStrictEqual(m.calls, ["action-set"])
      assert.deepStrictEqual(m.action?.results, {
        "backup.succeeded": "0",
        "backup.failed": "0",
        "backup.no-result": "0",
        "backup.last-success": "none yet",
        "restore.succeeded": "0",
        "restore.failed": "0",
        "restore.no-result": "0",
        "restore.last-success": "none yet",
      })
    }),
  )

  /** The results of job `n` of `kind`, by key: `outcome`, `started`, ... */
  const jobOf = (results: Readonly<Record<string, string>> | undefined, kind: string, n: number) =>
    Object.fromEntries(
      Object.entries(results ?? {})
        .filter(([key]) => key.startsWith(`${kind}.job-${n}.`))
        .map(([key, value]) => [key.slice(`${kind}.job-${n}.`.length), value]),
    )
  const job = (fields: Partial<Job>): Job => ({
    sequence: 1,
    started: "2026-12-03T23:00:00.000Z",
    ended: null,
    outcome: "running",
    durationMs: null,
    resultDue: null,
    scripts: { "run-before-backup": result(0, 400), "run-after-backup": null },
    ...fields,
  })

  it.effect(
    "when a result is due, for a job still running or that got none; not for an ended job, nor one with no due time",
    () =>
      Effect.gen(function* () {
        const m = yield* showBackups({
          ...emptyJournal,
          backup: {
            counts: { succeeded: 1, failed: 0, noResult: 1 },
            lastSuccess: "2026-12-01T01:10:00.000Z",
            jobs: [
              job({ sequence: 4, resultDue: "2026-12-04T11:00:00.000Z" }),
              // As a journal of the runners before result windows has a running job.
              job({ sequence: 3 }),
              job({ sequence: 2, outcome: "no-result", resultDue: "2026-12-02T13:00:00.000Z" }),
              // Started before the journal did: its start is not known, nor when its result was due.
              job({
                started: null,
                ended: "2026-12-01T01:10:00.000Z",
                outcome: "succeeded",
                scripts: { "run-before-backup": null, "run-after-backup": result(0, 1200) },
              }),
            ],
          },
        })
        assert.deepStrictEqual(jobOf(m.action?.results, "backup", 1), {
          outcome: "running",
          started: "2026-12-03T23:00:00.000Z",
          "result-due": "2026-12-04T11:00:00.000Z",
          "run-before-backup": "exit status 0 in 0.4s",
          "run-after-backup": "did not run",
        })
        assert.notProperty(jobOf(m.action?.results, "backup", 2), "result-due")
        assert.strictEqual(jobOf(m.action?.results, "backup", 3)["result-due"], "2026-12-02T13:00:00.000Z")
        assert.deepStrictEqual(jobOf(m.action?.results, "backup", 4), {
          outcome: "succeeded",
          started: "unknown",
          ended: "2026-12-01T01:10:00.000Z",
          "run-before-backup": "did not run",
          "run-after-backup": "exit status 0 in 1.2s",
        })
      }),
  )

  it.effect("a time ahead of the clock is said to be suspect; one at the clock's very instant is not", () =>
    Effect.gen(function* () {
      const m = yield* showBackups({
        ...emptyJournal,
        backup: {
          counts: { succeeded: 1, failed: 0, noResult: 0 },
          lastSuccess: "2026-12-04T00:00:00.001Z",
          jobs: [
            job({
              started: "2026-12-04T00:00:00.000Z",
              ended: "2026-12-04T00:00:00.001Z",
              outcome: "succeeded",
              durationMs: 1,
            }),
          ],
        },
      })
      assert.strictEqual(
        m.action?.results["backup.last-success"],
        "2026-12-04T00:00:00.001Z (future: clock?)",
      )
      assert.strictEqual(m.action?.results["backup.job-1.started"], "2026-12-04T00:00:00.000Z")
      assert.strictEqual(m.action?.results["backup.job-1.ended"], "2026-12-04T00:00:00.001Z (future: clock?)")
    }),
  )

  it.effect("a restore's own scripts; a script killed by a signal; a minute written as show-runs does", () =>
    Effect.gen(function* () {
      const m = yield* showBackups({
        ...emptyJournal,
        restore: {
          counts: { succeeded: 0, failed: 1, noResult: 0 },
          lastSuccess: null,
          jobs: [
            job({
              ended: "2026-12-03T23:01:00.000Z",
              outcome: "failed",
              durationMs: 60_000,
              scripts: {
                "run-before-restore": result(null, 2000, { signal: "SIGKILL" }),
                "run-after-restore": null,
              },
            }),
          ],
        },
      })
      assert.deepStrictEqual(jobOf(m.action?.results, "restore", 1), {
        outcome: "failed",
        started: "2026-12-03T23:00:00.000Z",
        ended: "2026-12-03T23:01:00.000Z",
        duration: "1m",
        "run-before-restore": "killed by SIGKILL in 2.0s",
        "run-after-restore": "did not run",
      })
    }),
  )
})

describe("what a backup held", () => {
  const check = {
    lastBackup: "2026-12-03T01:00:04.120Z",
    maxAge: null,
    checkSince: null,
    unanswered: [],
    now: at("2026-12-03T12:00:00Z"),
  }
  const summary = (missing: ReadonlyArray<string>, empty: ReadonlyArray<string>): HeldSummary => ({
    checked: "2026-12-03T01:00:00.500Z",
    missing,
    empty,
  })

  it("a path missing at the last backup: blocked, naming it; below a failed script, below an overdue backup", () => {
    assert.deepStrictEqual(shownStatus(active, [], check, summary(["/srv/db"], [])), {
      status: "blocked",
      message:
        'fileset path "/srv/db" missing at the backup of 2026-12-03 01:00 UTC; see action show-backups',
    })
    assert.deepStrictEqual(shownStatus(active, [], check, summary(["/srv/db", "/srv/b", "/srv/c"], ["/e"])), {
      status: "blocked",
      message:
        'fileset path "/srv/db" missing at the backup of 2026-12-03 01:00 UTC, 2 more; see action show-backups',
    })
    const failed = runRecord("run-after-backup", "2026-12-03T01:10:00.000Z", { exitStatus: 1 })
    assert.match(
      shownStatus(active, [failed], check, summary(["/srv/db"], [])).message,
      /^run-after-backup failed/,
    )
    const overdue = { ...check, maxAge: 3600 }
    assert.match(
      shownStatus(active, [], overdue, summary(["/srv/db"], [])).message,
      /^no successful backup since/,
    )
    const waiting: UnitStatus = { status: "waiting", message: "waiting for backup relation" }
    assert.deepStrictEqual(shownStatus(waiting, [], check, summary(["/srv/db"], [])), waiting)
  })

  it("an empty path is said in the active status; none missing or empty: the last backup alone", () => {
    assert.deepStrictEqual(shownStatus(active, [], check, summary([], ["/srv/db", "/srv/x"])), {
      status: "active",
      message: 'last backup 2026-12-03 01:00 UTC; "/srv/db" was empty, 1 more, see action show-backups',
    })
    assert.deepStrictEqual(shownStatus(active, [], check, summary([], [])), {
      status: "active",
      message: "last backup 2026-12-03 01:00 UTC",
    })
  })

  it("a path is shown escaped and shortened, the message within 120 characters", () => {
    const long = `/srv/${"é".repeat(200)}\u202e`
    for (const shown of [
      shownStatus(active, [], check, summary([long], [])),
      shownStatus(active, [], check, summary([], [long])),
    ]) {
      assert.isAtMost([...shown.message].length, 120)
      assert.match(shown.message, /^(fileset path |last backup .*; )"\/srv\/éé+\.\.\."/)
    }
    const hidden = shownStatus(active, [], check, summary(["/srv/a\u202eb"], []))
    assert.include(hidden.message, '"/srv/a\\u202eb"')
  })
})

const heldPath = (path: string, fields: Partial<HeldPath> = {}): HeldPath => ({
  path,
  present: true,
  files: 3,
  bytes: 3_565_158,
  newestChange: "2026-12-03T00:59:12.000Z",
  complete: true,
  ...fields,
})
const beforeBackup = (held: Held | undefined) => ({
  set: true,
  started: "2026-12-03T01:00:00.000Z",
  ended: "2026-12-03T01:00:00.400Z",
  durationMs: 400,
  exitStatus: 0,
  signal: null,
  timedOut: false,
  ...(held === undefined ? {} : { held }),
})
const journalHeld = (...helds: ReadonlyArray<Held | undefined>): JobJournal => ({
  ...emptyJournal,
  backup: {
    counts: { succeeded: helds.length, failed: 0, noResult: 0 },
    lastSuccess: "2026-12-03T01:10:00.000Z",
    jobs: helds.map((held, i) => ({
      sequence: 10 - i,
      resultDue: null,
      started: `2026-12-0${3 - i}T01:00:00.000Z`,
      ended: `2026-12-0${3 - i}T01:10:00.000Z`,
      outcome: "succeeded" as const,
      durationMs: 600_000,
      scripts: { "run-before-backup": beforeBackup(held), "run-after-backup": null },
    })),
  },
})
const walk = (checked: string, paths: ReadonlyArray<HeldPath>, unchecked = 0): Held => ({
  checked,
  paths,
  unchecked,
})

describe("update-status and what the last backup held", () => {
  it.effect(
    "a missing path blocks from the journal's newest walk, one status-set; found again, it clears",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(at("2026-12-03T00:00:00Z"))
        const first = yield* runEvent(model({ config, relations }))
        putJournal(
          first.model,
          journalHeld(
            undefined,
            walk("2026-12-03T01:00:00.100Z", [
              heldPath("/srv", { present: false, files: 0, bytes: 0, newestChange: null }),
            ]),
          ),
        )
        yield* TestClock.setTime(at("2026-12-03T01:15:00Z"))
        const missing = yield* runEvent(next(first.model, "update-status"))
        assert.deepStrictEqual(missing.model.calls, ["status-set"])
        assert.deepStrictEqual(missing.model.status, {
          status: "blocked",
          message:
            'fileset path "/srv" missing at the backup of 2026-12-03 01:00 UTC; see action show-backups',
        })
        assert.deepStrictEqual((yield* runEvent(next(missing.model, "update-status"))).model.calls, [])

        putJournal(missing.model, journalHeld(walk("2026-12-04T01:00:00.100Z", [heldPath("/srv")])))
        const found = yield* runEvent(next(missing.model, "update-status"))
        assert.deepStrictEqual(found.model.calls, ["status-set"])
        assert.deepStrictEqual(found.model.status, {
          status: "active",
          message: "last backup 2026-12-03 01:10 UTC",
        })

        putJournal(
          found.model,
          journalHeld(walk("2026-12-05T01:00:00.100Z", [heldPath("/srv", { bytes: 0 })])),
        )
        const empty = yield* runEvent(next(found.model, "update-status"))
        assert.deepStrictEqual(empty.model.status, {
          status: "active",
          message: 'last backup 2026-12-03 01:10 UTC; "/srv" was empty, see action show-backups',
        })
      }),
  )
})

describe("show-backups and what each backup held", () => {
  it.effect(
    "each job's fileset paths: missing, empty, counts (at least, past the bound), newest change",
    () =>
      Effect.gen(function* () {
        const first = yield* runEvent(model({ config, relations }))
        const m: FakeModel = {
          ...next(first.model, "show-backups"),
          action: { name: "show-backups", params: {}, results: {}, logs: [] },
        }
        putJournal(
          m,
          journalHeld(
            walk(
              "2026-12-03T01:00:00.100Z",
              [
                heldPath("/srv/db"),
                heldPath("/srv/gone\u200b", { present: false, files: 0, bytes: 0, newestChange: null }),
                heldPath("/srv/dump", { files: 1, bytes: 0 }),
                heldPath("/srv/big", { files: 100_000, bytes: 5 * 1024 ** 3, complete: false }),
              ],
              2,
            ),
            undefined,
          ),
        )
        const results = (yield* runEvent(m)).model.action?.results ?? {}
        assert.deepStrictEqual(
          Object.fromEntries(Object.entries(results).filter(([key]) => key.includes(".fileset"))),
          {
            "backup.job-1.fileset-checked": "2026-12-03T01:00:00.100Z",
            "backup.job-1.fileset-1": '"/srv/db": 3 files, 3.4 MiB, newest change 2026-12-03T00:59:12.000Z',
            "backup.job-1.fileset-2": '"/srv/gone\\u200b": missing',
            "backup.job-1.fileset-3": '"/srv/dump": empty (1 file, 0 bytes)',
            "backup.job-1.fileset-4":
              '"/srv/big": at least 100000 files, at least 5.0 GiB, newest change 2026-12-03T00:59:12.000Z',
            "backup.job-1.fileset-unchecked": "2 more paths, not checked (past 32 paths or 8 KiB of names)",
          },
        )
        assert.strictEqual(results["backup.job-2.run-before-backup"], "exit status 0 in 0.4s")
      }),
  )

  it.effect("sizes in bytes below 1 KiB, then in KiB up to PiB; every path checked: no unchecked count", () =>
    Effect.gen(function* () {
      const first = yield* runEvent(model({ config, relations }))
      const m: FakeModel = {
        ...next(first.model, "show-backups"),
        action: { name: "show-backups", params: {}, results: {}, logs: [] },
      }
      const sizes = [1, 1023, 1024, 5 * 1024 ** 4, 2 * 1024 ** 5]
      putJournal(
        m,
        journalHeld(
          walk(
            "2026-12-03T01:00:00.100Z",
            [
              ...sizes.map((bytes, i) => heldPath(`/srv/${i + 1}`, { files: 1, bytes })),
              // What a walk that found no time would say (the runner gives every present path one).
              heldPath("/srv/6", { newestChange: null }),
            ],
            0,
          ),
        ),
      )
      const results = (yield* runEvent(m)).model.action?.results ?? {}
      const newest = "newest change 2026-12-03T00:59:12.000Z"
      assert.deepStrictEqual(
        Object.fromEntries(Object.entries(results).filter(([key]) => key.includes(".fileset"))),
        {
          "backup.job-1.fileset-checked": "2026-12-03T01:00:00.100Z",
          "backup.job-1.fileset-1": `"/srv/1": 1 file, 1 byte, ${newest}`,
          "backup.job-1.fileset-2": `"/srv/2": 1 file, 1023 bytes, ${newest}`,
          "backup.job-1.fileset-3": `"/srv/3": 1 file, 1.0 KiB, ${newest}`,
          "backup.job-1.fileset-4": `"/srv/4": 1 file, 5.0 TiB, ${newest}`,
          "backup.job-1.fileset-5": `"/srv/5": 1 file, 2.0 PiB, ${newest}`,
          "backup.job-1.fileset-6": '"/srv/6": 3 files, 3.4 MiB, newest change unknown',
        },
      )
    }),
  )
})
