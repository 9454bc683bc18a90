// The status that run records leave, update-status and the actions, through the program over
// test layers: the fake Juju, the real ScriptStore, RunRecords and UnitRecords on an
// in-memory disk, and a runner that only leaves its record.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as TestClock from "effect/testing/TestClock"
import {
  appDirectory,
  jobJournalPath,
  operatorScriptPath,
  runnerInterpreter,
  runsDirectory,
  unitRecordPath,
  updateStatusMemoPath,
} from "../../src/domain/machine-paths.ts"
import runnerFile from "../../src/runner/runner.pyz"
import { appName, type FakeModel, model, optDir, putRunRecord } from "../support/fake-juju.ts"
import { fileContent, memoryDisk, putFile } from "../support/memory-file-system.ts"
import { runEvent } from "../support/run-program.ts"
import { runRecord } from "../support/run-record.ts"

/** The clock after the records' times (2026-12-01): a time ahead of it is said to be suspect. */
const afterTheRecords = TestClock.setTime(Date.parse("2026-12-07T00:00:00Z"))

const config = {
  fileset: "/srv",
  "run-before-backup": "#!/bin/sh\necho dump\n",
  "run-after-backup": "true\n",
}
const relations = { "backup:1": {} }

/** A unit reconciled once (config-changed), then `event` on what that left. */
const following = (event: string, change: (m: FakeModel) => unknown = () => undefined) =>
  Effect.gen(function* () {
    const first = yield* runEvent(model({ config, relations }))
    const next: FakeModel = { ...first.model, event, calls: [], logs: [] }
    return yield* runEvent((change(next) as FakeModel | undefined) ?? next)
  })

describe("update-status", () => {
  it.effect("nothing changed since the last reconcile: no hook-tool call", () =>
    Effect.gen(function* () {
      const { exit, model: m } = yield* following("update-status")
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(m.calls, [])
      assert.deepStrictEqual(m.status, { status: "active", message: "no backup yet" })
    }),
  )

  it.effect(
    "after a refresh, what the journal holds is read again, not taken from the record of another build",
    () =>
      Effect.gen(function* () {
        const { model: m } = yield* following("update-status", (next) => {
          const path = unitRecordPath(optDir, appName, 0)
          const record = JSON.parse(fileContent(next.disk, path) ?? "{}")
          putFile(
            next.disk,
            path,
            JSON.stringify({ ...record, build: "an older build", lastBackup: "2020-01-01T00:00:00.000Z" }),
            0o600,
          )
        })
        // The journal holds no backup: the older build's reading of it is not shown.
        assert.deepStrictEqual(m.status, { status: "active", message: "no backup yet" })
      }),
  )

  it.effect("a failed run since: one status-set naming the script, how and when; then quiet again", () =>
    Effect.gen(function* () {
      yield* afterTheRecords
      const failed = yield* following("update-status", (m) => {
        putRunRecord(m.disk, runRecord("run-before-backup", "2026-12-01T03:00:05.000Z", { exitStatus: 2 }))
      })
      assert.deepStrictEqual(failed.model.calls, ["status-set"])
      assert.deepStrictEqual(failed.model.status, {
        status: "blocked",
        message: "run-before-backup failed (exit status 2) at 2026-12-01 03:00 UTC; see action show-runs",
      })
      const again = yield* runEvent({ ...failed.model, calls: [] })
      assert.deepStrictEqual(again.model.calls, [])
    }),
  )

  it.effect("a successful run since changes nothing to show: no call, the record follows", () =>
    Effect.gen(function* () {
      const ok = yield* following("update-status", (m) => {
        putRunRecord(m.disk, runRecord("run-before-backup", "2026-12-01T03:00:05.000Z"))
      })
      assert.deepStrictEqual(ok.model.calls, [])
    }),
  )

  it.effect(
    "after a reconcile, dispatch can end update-status alone: the memo says what each path must be",
    () =>
      Effect.gen(function* () {
        const { model: m } = yield* runEvent(model({ config, relations }))
        const memo = fileContent(m.disk, updateStatusMemoPath(optDir, appName, 0)) ?? ""
        for (const line of [
          `directory ${appDirectory(optDir, appName)}`,
          `file ${operatorScriptPath(optDir, appName, "run-before-backup")}`,
          // No job has run yet: the first one's journal starts the program.
          `absent ${jobJournalPath(optDir, appName)}`,
        ])
          assert.include(memo.split("\n"), line)
      }),
  )

  it.effect("files changed on disk: each named in the log, reconciled, repaired", () =>
    Effect.gen(function* () {
      const scripts = ["run-before-backup", "run-after-backup"] as const
      const repaired = yield* following("update-status", (m) => {
        for (const option of scripts)
          putFile(m.disk, operatorScriptPath(optDir, appName, option), "#!/bin/sh\nrm -rf /\n", 0o700)
      })
      for (const option of scripts) assert.strictEqual(repaired.scripts[option], config[option])
      assert.strictEqual(repaired.model.calls[0], "juju-log")
      assert.strictEqual(
        repaired.model.logs[0]?.message,
        `changed on disk, repairing: ${scripts.map((option) => operatorScriptPath(optDir, appName, option)).join(", ")}`,
      )
      assert.include(repaired.model.calls, "config-get")
    }),
  )

  it.effect(
    "a note left in a runs directory starts the program once, with no hook-tool call, and the memo is written anew",
    () =>
      Effect.gen(function* () {
        const memoPath = updateStatusMemoPath(optDir, appName, 0)
        let before: unknown
        const { model: m } = yield* following("update-status", (next) => {
          before = next.disk.entries.get(memoPath)
          // A new entry in a directory the memo names: dispatch finds the memo out of date.
          putFile(next.disk, `${runsDirectory(optDir, appName, "run-before-backup")}/notes.txt`, "", 0o600)
        })
        assert.deepStrictEqual(m.calls, [])
        // That dispatch then trusts it (dated before the program read the directory) needs the
        // real clock and bash: test/integration/quiet-update-status.test.ts shows it.
        assert.isDefined(before)
        assert.isDefined(m.disk.entries.get(memoPath))
        assert.notStrictEqual(m.disk.entries.get(memoPath), before)
      }),
  )
})

describe("the runner's interpreter", () => {
  it("is the one the runner's #! line names", () => {
    assert.strictEqual(Buffer.from(runnerFile).toString("latin1").split("\n")[0], `#!${runnerInterpreter} -I`)
  })

  it.effect(
    "missing from the machine: blocked saying so, everything else applied, no runner published for an unset option",
    () =>
      Effect.gen(function* () {
        const bare = memoryDisk()
        const { model: m, scripts } = yield* runEvent(model({ config, relations, disk: bare }))
        assert.deepStrictEqual(m.status, {
          status: "blocked",
          message: "cannot run the scripts: /usr/bin/python3 is missing (apt install python3-minimal)",
        })
        assert.strictEqual(scripts["run-before-backup"], config["run-before-backup"])
        // A runner there would fail the job; bacula-fd's own no-op stands in for an unset option.
        assert.deepStrictEqual(Object.keys(m.relations["backup:1"] ?? {}), [
          "fileset",
          "run-before-backup",
          "run-after-backup",
        ])
        // With no script set, backups still run, but none of them can be seen: said too.
        const none = yield* runEvent(model({ config: { fileset: "/srv" }, relations, disk: memoryDisk() }))
        assert.deepStrictEqual(none.model.relations["backup:1"], { fileset: "/srv" })
        assert.deepStrictEqual(none.model.status, m.status)
      }),
  )
})

describe("the status of runs", () => {
  it.effect("the failure named is the most recent run by sequence, not by a clock that was set back", () =>
    Effect.gen(function* () {
      yield* afterTheRecords
      const { model: m } = yield* following("config-changed", (next) => {
        // Ended while the clock was 30 days ahead, numbered 5; then one ended after it was set back.
        putRunRecord(
          next.disk,
          runRecord("run-after-backup", "2027-01-01T04:10:00.000Z", { exitStatus: 3 }),
          5,
        )
        putRunRecord(
          next.disk,
          runRecord("run-before-backup", "2026-12-01T02:00:00.000Z", { exitStatus: 2 }),
          6,
        )
      })
      assert.deepStrictEqual(m.status, {
        status: "blocked",
        message:
          "run-before-backup failed (exit status 2) at 2026-12-01 02:00 UTC, 1 more failing; see action show-runs",
      })
    }),
  )

  it.effect(
    "a script's newest run is the one numbered highest, whatever order the directory lists them in",
    () =>
      Effect.gen(function* () {
        yield* afterTheRecords
        const older = [runRecord("run-before-backup", "2026-12-01T02:00:00.000Z"), 5] as const
        const newer = [
          runRecord("run-before-backup", "2026-12-01T03:00:00.000Z", { exitStatus: 2 }),
          6,
        ] as const
        for (const listed of [
          [newer, older],
          [older, newer],
        ]) {
          const { model: m } = yield* following("config-changed", (next) => {
            for (const [record, sequence] of listed) putRunRecord(next.disk, record, sequence)
          })
          assert.deepStrictEqual(m.status, {
            status: "blocked",
            message: "run-before-backup failed (exit status 2) at 2026-12-01 03:00 UTC; see action show-runs",
          })
        }
      }),
  )

  it.effect(
    "a file in a runs directory that is not a record, even one named after a later one, does not stop update-status following the runs",
    () =>
      Effect.gen(function* () {
        yield* afterTheRecords
        const runs = runsDirectory(optDir, appName, "run-before-backup")
        // An operator's notes and copies: each sorts after every record the runner names.
        for (const name of ["notes.txt", "9999999999999-1.json.bak", "old-9999999999999-1.json"]) {
          const before = yield* following("update-status", (next) => {
            putFile(
              next.disk,
              `${runs}/${name}`,
              JSON.stringify(runRecord("run-before-backup", "2026-12-01T01:00:00.000Z")),
              0o600,
            )
          })
          assert.deepStrictEqual(before.model.status, { status: "active", message: "no backup yet" }, name)
          putRunRecord(
            before.model.disk,
            runRecord("run-before-backup", "2026-12-01T03:00:00.000Z", { exitStatus: 2 }),
          )
          const { model: m } = yield* runEvent({ ...before.model, calls: [] })
          assert.deepStrictEqual(
            m.status,
            {
              status: "blocked",
              message:
                "run-before-backup failed (exit status 2) at 2026-12-01 03:00 UTC; see action show-runs",
            },
            name,
          )
        }
      }),
  )

  it.effect("a timed-out run, the most recent failure first, and a count of the others", () =>
    Effect.gen(function* () {
      yield* afterTheRecords
      const { model: m } = yield* following("config-changed", (next) => {
        putRunRecord(
          next.disk,
          runRecord("run-before-backup", "2026-12-01T02:00:00.000Z", { signal: "SIGKILL", exitStatus: null }),
        )
        putRunRecord(
          next.disk,
          runRecord("run-after-backup", "2026-12-01T04:10:00.000Z", {
            timedOut: true,
            timeout: 1800,
            exitStatus: 124,
          }),
        )
      })
      assert.deepStrictEqual(m.status, {
        status: "blocked",
        message:
          "run-after-backup timed out after 30m at 2026-12-01 04:10 UTC, 1 more failing; see action show-runs",
      })
    }),
  )

  it.effect("configuration and relation problems come first; a script no longer set no longer counts", () =>
    Effect.gen(function* () {
      const failing = (next: FakeModel) => {
        putRunRecord(next.disk, runRecord("run-before-backup", "2026-12-01T03:00:00.000Z", { exitStatus: 1 }))
      }
      const noRelation = yield* following("config-changed", (next) => {
        failing(next)
        return { ...next, relations: {} }
      })
      assert.deepStrictEqual(noRelation.model.status, {
        status: "waiting",
        message: "waiting for backup relation",
      })
      const badConfig = yield* following("config-changed", (next) => {
        failing(next)
        return { ...next, config: { ...config, "script-timeout": "0s" } }
      })
      assert.deepStrictEqual(badConfig.model.status, {
        status: "blocked",
        message: "invalid script-timeout: must be longer than 0s",
      })
      const { "run-before-backup": _, ...without } = config
      const unset = yield* following("config-changed", (next) => {
        failing(next)
        return { ...next, config: without, leader: false }
      })
      assert.deepStrictEqual(unset.model.status, { status: "active", message: "no backup yet" })
    }),
  )
})

describe("records another local user planted (before the charm took runs/ over)", () => {
  const runs = `${optDir}/backup-integrator-charm/${appName}/runs/run-before-backup`
  const failed = runRecord("run-before-backup", "2026-12-01T03:00:00.000Z", { exitStatus: 2 })
  const shownFailure = {
    status: "blocked",
    message: "run-before-backup failed (exit status 2) at 2026-12-01 03:00 UTC; see action show-runs",
  }
  /** A record file named as newer than the real failure, made by `change`. */
  const planted = (m: FakeModel, change: (path: string) => void) => {
    putRunRecord(m.disk, failed)
    change(`${runs}/${Date.parse("2026-12-01T04:00:00.000Z")}-666.json`)
  }

  it.effect("a newer successful record another user owns does not hide the failure", () =>
    Effect.gen(function* () {
      yield* afterTheRecords
      for (const event of ["config-changed", "update-status"]) {
        const { model: m } = yield* following(event, (next) =>
          planted(next, (path) => {
            putFile(
              next.disk,
              path,
              JSON.stringify(runRecord("run-before-backup", "2026-12-01T04:00:00.000Z")),
              0o600,
            )
            ;(next.disk.entries.get(path) as { uid: number }).uid = next.disk.uid + 1
          }),
        )
        assert.deepStrictEqual(m.status, shownFailure, event)
      }
    }),
  )

  it.effect("a record the runner would not write cannot put text of its own in the status", () =>
    Effect.gen(function* () {
      yield* afterTheRecords
      const hostile = `SIGKILL\n\u001b[31m${"x".repeat(5000)}`
      const forged = { ...runRecord("run-before-backup", "2026-12-01T04:00:00.000Z"), exitStatus: null }
      for (const fields of [{ signal: hostile }, { ended: `2026-12-01T04:00:00.000Z${hostile}` }]) {
        const { model: m } = yield* following("update-status", (next) =>
          planted(next, (path) => putFile(next.disk, path, JSON.stringify({ ...forged, ...fields }), 0o600)),
        )
        assert.deepStrictEqual(m.status, shownFailure)
      }
    }),
  )

  it.effect("a FIFO named as the newest record blocks nothing: update-status and show-runs end", () =>
    Effect.gen(function* () {
      yield* afterTheRecords
      const fifo = (next: FakeModel) =>
        planted(next, (path) =>
          next.disk.entries.set(path, { type: "FIFO", mode: 0o10600, uid: next.disk.uid }),
        )
      const status = yield* following("update-status", fifo)
      assert.isTrue(Exit.isSuccess(status.exit))
      assert.deepStrictEqual(status.model.status, shownFailure)
      const shown = yield* following("show-runs", (next) => {
        fifo(next)
        return { ...next, action: { name: "show-runs", params: {}, results: {}, logs: [] } }
      })
      assert.isTrue(Exit.isSuccess(shown.exit))
      assert.strictEqual(shown.model.action?.results["run-before-backup.run-1.result"], "exit status 2")
    }),
  )

  it.effect(
    "the unit's record is no record when another user owns it or it is a FIFO: reconciled and replaced",
    () =>
      Effect.gen(function* () {
        const record = `${optDir}/backup-integrator-charm/${appName}/units/0`
        for (const plant of [
          (disk: FakeModel["disk"]) => {
            ;(disk.entries.get(record) as { uid: number }).uid = disk.uid + 1
          },
          (disk: FakeModel["disk"]) => {
            disk.entries.set(record, { type: "FIFO", mode: 0o10600, uid: disk.uid })
          },
        ]) {
          const { exit, model: m } = yield* following("update-status", (next) => {
            plant(next.disk)
          })
          assert.isTrue(Exit.isSuccess(exit))
          assert.include(m.calls, "config-get")
          assert.strictEqual(m.disk.entries.get(record)?.type, "File")
          assert.strictEqual(m.disk.entries.get(record)?.uid, m.disk.uid)
        }
      }),
  )
})

describe("actions", () => {
  const action =
    (name: string, params: Record<string, unknown> = {}) =>
    (m: FakeModel) => ({
      ...m,
      action: { name, params, results: {}, logs: [] },
    })

  it.effect(
    "run-script: results from the run's record; a failure fails the action and shows in the status",
    () =>
      Effect.gen(function* () {
        const { model: m } = yield* following("run-script", (next) => ({
          ...action("run-script", { name: "run-before-backup" })(next),
          scriptRun: { exitStatus: 3, signal: null, timedOut: false, output: "pg_dump: no such database\n" },
        }))
        assert.deepStrictEqual(m.action?.results, {
          result: "exit status 3",
          started: "2026-12-01T03:00:00.000Z",
          ended: "2026-12-01T03:00:00.000Z",
          duration: "1.2s",
          output: "pg_dump: no such database\n",
        })
        assert.strictEqual(m.action?.failed, "run-before-backup failed: exit status 3")
        assert.deepStrictEqual(m.action?.logs, ["running run-before-backup as Bacula runs it"])
        assert.deepStrictEqual(m.calls, [
          "action-get",
          "action-log",
          "action-set",
          "action-fail",
          "status-set",
        ])
        assert.strictEqual(m.status?.status, "blocked")
      }),
  )

  it.effect(
    "run-script and show-runs: credential values hidden from the output, hidden characters escaped as the status escapes them",
    () =>
      Effect.gen(function* () {
        const uri = "secret:cq1k2l3m4n5o6p7q8r9s"
        const withSecret = {
          config: { ...config, credentials: uri },
          secrets: { [uri]: { granted: true, content: { password: "hunter2\n", user: "backup" } } },
        }
        const first = yield* runEvent(model({ ...withSecret, relations }))
        const printed =
          "connecting as backup with password hunter2\n\u0000\u001b[31mdone\tok\n\u202egnp.exe\u2028x\u200by\n"
        const shown =
          "connecting as *** with password ***\n\\u0000\\u001b[31mdone\tok\n\\u202egnp.exe\\u2028x\\u200by\n"
        const ran = yield* runEvent({
          ...action("run-script", { name: "run-before-backup" })(first.model),
          event: "run-script",
          calls: [],
          scriptRun: { exitStatus: 0, signal: null, timedOut: false, output: printed },
        })
        assert.isUndefined(ran.model.action?.failed)
        assert.strictEqual(ran.model.action?.results.output, shown)
        const listed = yield* runEvent({ ...action("show-runs")(ran.model), event: "show-runs", calls: [] })
        assert.strictEqual(listed.model.action?.results["run-before-backup.run-1.output"], shown)
      }),
  )

  it.effect(
    "run-script when the runner could not write its record: how the process ended, in words, and what it printed; an earlier run's record is not taken for it",
    () =>
      Effect.gen(function* () {
        const printed = "runner: cannot write the run record: No space left on device\n"
        for (const [ended, result, failed] of [
          [{ exitStatus: 1, signal: null }, "exit status 1", "run-before-backup failed: exit status 1"],
          [
            { exitStatus: null, signal: "SIGKILL" },
            "killed by SIGKILL",
            "run-before-backup failed: killed by SIGKILL",
          ],
          [{ exitStatus: 0, signal: null }, "exit status 0", undefined],
        ] as const) {
          const { model: m } = yield* following("run-script", (next) => {
            putRunRecord(
              next.disk,
              runRecord("run-before-backup", "2026-12-01T01:00:00.000Z", {
                output: "Bacula's run\n",
                pid: 7,
              }),
            )
            return {
              ...action("run-script", { name: "run-before-backup" })(next),
              scriptRun: { ...ended, timedOut: false, output: printed, recorded: false },
            }
          })
          assert.deepStrictEqual(m.action?.results, { result, output: printed, record: "not written" })
          assert.strictEqual(m.action?.failed, failed)
        }
      }),
  )

  it.effect(
    "run-script: output cut before a credential's end hides that end; output shown whole is shown as printed; no output, no output result",
    () =>
      Effect.gen(function* () {
        const uri = "secret:cq1k2l3m4n5o6p7q8r9s"
        // Each on a unit of its own: a record one run leaves would be found by the next.
        const ran = (scriptRun: NonNullable<FakeModel["scriptRun"]>) =>
          Effect.gen(function* () {
            const first = yield* runEvent(
              model({
                config: { ...config, credentials: uri },
                secrets: { [uri]: { granted: true, content: { password: "hunter2" } } },
                relations,
              }),
            )
            const { model: m } = yield* runEvent({
              ...action("run-script", { name: "run-before-backup" })(first.model),
              event: "run-script",
              calls: [],
              scriptRun,
            })
            return m.action?.results
          })
        const ok = { exitStatus: 0, signal: null, timedOut: false } as const
        // The runner kept only the tail of the 5000 bytes printed: it begins inside the password.
        const tail = "nter2 accepted\n"
        const cut = yield* ran({ ...ok, output: tail, outputBytes: 5000 })
        assert.strictEqual(cut?.output, "*** accepted\n")
        const unrecorded = yield* ran({ ...ok, output: tail, recorded: false })
        assert.strictEqual(unrecorded?.output, "*** accepted\n")
        // Kept whole, output that begins as the password ends ("2") is the script's own.
        const whole = "2 files dumped\n"
        assert.strictEqual((yield* ran({ ...ok, output: whole, outputBytes: whole.length }))?.output, whole)
        assert.notProperty(yield* ran({ ...ok, output: "" }), "output")
      }),
  )

  it.effect("run-script of a script not set, or of no script, fails and runs nothing", () =>
    Effect.gen(function* () {
      for (const [name, failed] of [
        [
          "run-after-restore",
          "run-after-restore is not set: juju config backup-integrator run-after-restore=@script.sh",
        ],
        [
          "rm -rf /",
          "name must be one of run-before-backup, run-after-backup, run-before-restore, run-after-restore",
        ],
      ] as const) {
        const { model: m } = yield* following("run-script", action("run-script", { name }))
        assert.strictEqual(m.action?.failed, failed)
        assert.deepStrictEqual(m.calls, ["action-get", "action-fail"])
      }
    }),
  )

  it.effect("show-runs: every set script's runs, newest first, in one action-set", () =>
    Effect.gen(function* () {
      const { model: m } = yield* following("show-runs", (next) => {
        putRunRecord(
          next.disk,
          runRecord("run-before-backup", "2026-12-01T01:00:00.000Z", { exitStatus: 1, pid: 7 }),
        )
        putRunRecord(
          next.disk,
          runRecord("run-before-backup", "2026-12-01T02:00:00.000Z", { output: "ok\n", pid: 8 }),
        )
        return action("show-runs")(next)
      })
      assert.deepStrictEqual(m.calls, ["action-set"])
      assert.deepInclude(m.action?.results, {
        "run-before-backup.run-1.result": "exit status 0",
        "run-before-backup.run-1.output": "ok\n",
        "run-before-backup.run-2.result": "exit status 1",
        "run-after-backup": "no run recorded yet",
      })
    }),
  )
})
