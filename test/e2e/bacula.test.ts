// The packed charm with Debian's Bacula 9.6: a Director (sqlite3 catalog), a storage daemon
// and a file daemon on 127.0.0.1, configured from the databag the charm published as
// bacula-server and bacula-fd configure them (test/support/bacula-daemons.ts), running real
// backups and restores through the charm's runners. `scripts/fetch-bacula.sh` unpacks them.
import { randomBytes } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, assert, describe, it } from "vitest"
import { clockMoved } from "../../scripts/faketime.ts"
import type { JobJournal } from "../../src/domain/job-journal.ts"
import { appBag } from "../emulator/state.ts"
import { BaculaSite, baculaDaemonsMissing, type JobEnd } from "../support/bacula-daemons.ts"
import { backupRelation, CharmUnit, expectOk } from "../support/charm-unit.ts"

// The tests run at once, each with its own unit and Bacula: most of a job is Bacula waiting.
// Every daemon is stopped at the end, whatever happened (and ends by itself regardless).
const cleanUps: Array<() => Promise<void> | void> = []
afterAll(async () => {
  for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp()
})

/** Real jobs on a busy machine: bounded by the site's own limits, not by a tight one here. */
const slow = { timeout: 240_000 }

/**
 * A script that writes one line to the trace: its name, then how Bacula started it (working
 * directory, arguments, stdin, umask), then `tail` (shell) runs.
 */
const traced = (trace: string, name: string, tail = "exit 0") =>
  `#!/bin/sh\necho "${name} cwd=$(pwd) args=$# stdin=$(readlink /proc/self/fd/0) umask=$(umask)" >> ${trace}\n${tail}\n`

/** A script's content, given the trace file it writes to. */
type Script = (trace: string) => string

interface Deployment {
  readonly unit: CharmUnit
  readonly site: BaculaSite
  /** The directory the fileset names. */
  readonly data: string
  /** Where the scripts write what they ran, a line each. */
  readonly traceFile: string
  readonly trace: () => ReadonlyArray<string>
  /** The unit's metrics for Prometheus, as the runner last wrote them. */
  readonly metrics: () => ReadonlyArray<Sample>
  /** The databag the Director was configured from. */
  readonly bag: Record<string, string>
  /** Sets options (a script, or a value as it is; undefined resets it) and runs config-changed. */
  readonly configure: (options: Record<string, Script | string | undefined>) => void
  /** The unit's status after update-status. */
  readonly status: () => { status: string; message: string }
}

/**
 * The leader of backup-integrator with `scripts` (each a function of the trace file) and a
 * fileset of one directory (or `fileset` of it); then a Bacula site configured from what it
 * published.
 */
const deploy = async (
  scripts: Record<string, Script>,
  fileset: (data: string) => string = (data) => data,
): Promise<Deployment> => {
  assert.isUndefined(baculaDaemonsMissing, baculaDaemonsMissing)
  const dir = mkdtempSync(join(tmpdir(), "bacula-charm-"))
  cleanUps.push(() => rmSync(dir, { recursive: true, force: true }))
  const data = join(dir, "data")
  mkdirSync(data)
  const traceFile = join(dir, "trace")
  // A textfile directory of its own, where the test reads the metrics.
  const textfiles = join(dir, "textfiles")
  mkdirSync(textfiles)
  const unit = new CharmUnit({
    leader: true,
    config: {
      fileset: fileset(data),
      "metrics-directory": textfiles,
      ...Object.fromEntries(Object.entries(scripts).map(([option, script]) => [option, script(traceFile)])),
    },
    relations: { "backup:3": backupRelation() },
  })
  cleanUps.push(() => unit.remove())
  const installed = unit.hook("config-changed")
  expectOk(installed)
  const bag = { ...appBag(installed.state, "backup:3") }
  const site = await BaculaSite.start(bag)
  cleanUps.push(() => site.stop())
  return {
    unit,
    site,
    data,
    bag,
    traceFile,
    metrics: () => samples(readFileSync(join(textfiles, "backup-integrator-backup-integrator.prom"), "utf8")),
    trace: () => (existsSync(traceFile) ? readFileSync(traceFile, "utf8").split("\n").filter(Boolean) : []),
    configure: (options) => {
      unit.update((state) => {
        const config = { ...state.config }
        for (const [key, value] of Object.entries(options)) {
          if (value === undefined) delete config[key]
          else config[key] = typeof value === "string" ? value : value(traceFile)
        }
        state.config = config
      })
      const result = unit.hook("config-changed")
      expectOk(result)
    },
    status: () => {
      const result = unit.hook("update-status")
      expectOk(result)
      return result.state.status
    },
  }
}

/** One sample of Prometheus' text format. */
interface Sample {
  readonly name: string
  readonly labels: Record<string, string>
  readonly value: number
}

const samples = (text: string): ReadonlyArray<Sample> =>
  text.split("\n").flatMap((line) => {
    const sample = /^(\w+)\{(.*)\} (\S+)$/.exec(line)
    if (sample === null) return []
    const labels = Object.fromEntries(
      [...(sample[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]),
    )
    return [{ name: sample[1] ?? "", labels, value: Number(sample[3]) }]
  })

/** The value of the one sample named `name` with these labels (among others). */
const sampleValue = (all: ReadonlyArray<Sample>, name: string, labels: Record<string, string>) => {
  const found = all.filter(
    (sample) =>
      sample.name === `backup_integrator_${name}` &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )
  assert.lengthOf(found, 1, `${name} ${JSON.stringify(labels)}`)
  return found[0]?.value
}

/** Waits for `condition`, polling, with a generous bound for a busy machine. */
const until = async (condition: () => boolean, what: string) => {
  const deadline = Date.now() + 60_000
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what}`)
    await sleep(100)
  }
}

/** How the newest run of a script ended, as the show-runs action says. */
const lastRun = (unit: CharmUnit, option: string) => {
  const runs = unit.runAction("show-runs").state.action?.results as
    | Record<string, Record<string, Record<string, string>>>
    | undefined
  return runs?.[option]?.["run-1"]?.result
}

/** The unit's job journal, as the runners wrote it. */
const journal = (unit: CharmUnit): JobJournal =>
  JSON.parse(readFileSync(`${unit.optDir}/backup-integrator-charm/backup-integrator/jobs.json`, "utf8"))

/** The names of the scripts that ran, in order. */
const ran = (trace: ReadonlyArray<string>) => trace.map((line) => line.split(" ")[0])

/** A job's status, and for a job that ran to its end how many errors it counted. */
const assertEnded = (job: JobEnd, status: string, errors: number | undefined, site: BaculaSite) =>
  assert.deepInclude(
    job,
    errors === undefined ? { status } : { status, errors },
    `${job.log}\n${site.diagnostics()}`,
  )

describe.concurrent("Bacula 9.6 running the published paths", slow, () => {
  describe("backups and restores through the charm's runners", () => {
    it("a backup and a restore, byte for byte, each with its two scripts run as Bacula runs them", async () => {
      const d = await deploy({
        "run-before-backup": (t) => traced(t, "run-before-backup"),
        "run-after-backup": (t) => traced(t, "run-after-backup"),
        "run-before-restore": (t) => traced(t, "run-before-restore"),
        "run-after-restore": (t) => traced(t, "run-after-restore"),
      })
      const files = {
        "db.dump": randomBytes(300_000),
        empty: Buffer.alloc(0),
        "nested/deeper/conf.txt": Buffer.from("listen_addresses = '*'\n"),
      }
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(join(d.data, name, ".."), { recursive: true })
        writeFileSync(join(d.data, name), content, { mode: 0o640 })
      }

      const backup = await d.site.backup()
      assertEnded(backup, "T", 0, d.site)
      assert.match(backup.log, /Termination:\s+Backup OK\n/)
      assert.deepStrictEqual(ran(d.trace()), ["run-before-backup", "run-after-backup"])
      // Bacula starts the published path with execvp: no argument, in /, stdin /dev/null, umask 022.
      assert.strictEqual(d.trace()[0], "run-before-backup cwd=/ args=0 stdin=/dev/null umask=0022")

      rmSync(d.data, { recursive: true })
      const restore = await d.site.restore(backup.jobId)
      assertEnded(restore, "T", 0, d.site)
      assert.deepStrictEqual(ran(d.trace()), [
        "run-before-backup",
        "run-after-backup",
        "run-before-restore",
        "run-after-restore",
      ])
      for (const [name, content] of Object.entries(files)) {
        assert.deepStrictEqual(readFileSync(join(d.data, name)), content, name)
        assert.strictEqual(statSync(join(d.data, name)).mode & 0o777, 0o640, name)
      }

      // The charm saw each run: show-runs lists them, and all is well.
      for (const option of [
        "run-before-backup",
        "run-after-backup",
        "run-before-restore",
        "run-after-restore",
      ])
        assert.strictEqual(lastRun(d.unit, option), "exit status 0", option)
      assert.strictEqual(d.status().status, "active")
    })

    it("a failing before-script fails the job (f) before any data moves, the after-script does not run, and the unit says so", async () => {
      const d = await deploy({
        "run-before-backup": (t) =>
          traced(t, "run-before-backup", "echo 'pg_dump: connection refused' >&2\nexit 2"),
        "run-after-backup": (t) => traced(t, "run-after-backup"),
      })
      writeFileSync(join(d.data, "db.dump"), "data")
      const backup = await d.site.backup()
      assertEnded(backup, "f", undefined, d.site)
      assert.include(backup.log, "ClientBeforeJob: pg_dump: connection refused")
      assert.include(backup.log, "ClientBeforeJob returned non-zero status=2")
      assert.match(backup.log, /Termination:\s+\*\*\* Backup Error \*\*\*/)
      assert.deepStrictEqual(ran(d.trace()), ["run-before-backup"])

      assert.deepInclude(d.status(), { status: "blocked" })
      assert.match(
        d.status().message,
        /^run-before-backup failed \(exit status 2\) at \d{4}-\d\d-\d\d \d\d:\d\d UTC; see action show-runs$/,
      )
    })

    it("a failing after-script leaves the backup T, OK with warnings; the unit shows the script's failure", async () => {
      const d = await deploy({
        "run-before-backup": (t) => traced(t, "run-before-backup"),
        "run-after-backup": (t) => traced(t, "run-after-backup", "exit 3"),
      })
      writeFileSync(join(d.data, "db.dump"), "data")
      const backup = await d.site.backup()
      assertEnded(backup, "T", 1, d.site)
      assert.include(backup.log, "ClientAfterJob returned non-zero status=3")
      assert.match(backup.log, /Termination:\s+Backup OK -- with warnings\n/)
      assert.deepStrictEqual(ran(d.trace()), ["run-before-backup", "run-after-backup"])
      assert.match(
        d.status().message,
        /^run-after-backup failed \(exit status 3\) at .* UTC; see action show-runs$/,
      )
    })

    it("restores likewise: a failing before-script fails the restore (f) without its after-script; a failing after-script leaves it T", async () => {
      const d = await deploy({
        "run-before-restore": (t) => traced(t, "run-before-restore", "exit 4"),
        "run-after-restore": (t) => traced(t, "run-after-restore"),
      })
      writeFileSync(join(d.data, "db.dump"), "data")
      const backup = await d.site.backup()
      assertEnded(backup, "T", 0, d.site)

      rmSync(join(d.data, "db.dump"))
      const failed = await d.site.restore(backup.jobId)
      assertEnded(failed, "f", undefined, d.site)
      assert.include(failed.log, "ClientBeforeJob returned non-zero status=4")
      assert.deepStrictEqual(ran(d.trace()), ["run-before-restore"])
      assert.isFalse(existsSync(join(d.data, "db.dump")))

      d.configure({
        "run-before-restore": (t) => traced(t, "run-before-restore"),
        "run-after-restore": (t) => traced(t, "run-after-restore", "exit 5"),
      })
      const restored = await d.site.restore(backup.jobId)
      assertEnded(restored, "T", 1, d.site)
      assert.include(restored.log, "ClientAfterJob returned non-zero status=5")
      // Bacula 9.6 words a restore's warnings so.
      assert.match(restored.log, /Termination:\s+Restore OK -- with errors\n/)
      assert.strictEqual(readFileSync(join(d.data, "db.dump"), "utf8"), "data")
      assert.deepStrictEqual(ran(d.trace()), [
        "run-before-restore",
        "run-before-restore",
        "run-after-restore",
      ])
    })

    it("cancelling a job during its before-script ends the job (A) at once, sends the script no signal, and runs no after-script", async () => {
      const d = await deploy({
        "run-before-backup": (t) =>
          traced(
            t,
            "run-before-backup",
            `for s in HUP INT QUIT TERM USR1 USR2; do trap "echo signal-$s >> ${t}" $s; done\nwhile [ ! -e ${t}.go ]; do sleep 0.1; done\necho finished >> ${t}`,
          ),
        "run-after-backup": (t) => traced(t, "run-after-backup"),
      })
      const jobId = d.site.startBackup()
      await until(() => d.trace().length > 0, "the before-script")
      d.site.console([`cancel jobid=${jobId} yes`])
      const cancelled = await d.site.end(jobId)
      assert.strictEqual(cancelled.status, "A", cancelled.log)
      assert.match(cancelled.log, /Termination:\s+Backup Canceled/)

      // The script is still running: Bacula left it alone. Let it finish.
      writeFileSync(`${d.traceFile}.go`, "")
      await until(() => d.trace().includes("finished"), "the before-script's end")
      assert.deepStrictEqual(ran(d.trace()), ["run-before-backup", "finished"])
      // Its runner ended normally with it, and recorded the run.
      await until(() => lastRun(d.unit, "run-before-backup") !== undefined, "the run's record")
      assert.strictEqual(lastRun(d.unit, "run-before-backup"), "exit status 0")
    })
  })

  describe("a withdrawn script while the Director has not reloaded", () => {
    it("unsetting the scripts keeps the paths the Director names working: the next job still succeeds", async () => {
      const d = await deploy({
        "run-before-backup": (t) => traced(t, "run-before-backup"),
        "run-after-backup": (t) => traced(t, "run-after-backup"),
      })
      writeFileSync(join(d.data, "db.dump"), "data")
      // Unset, then more hooks: the leader's next hooks run before bacula-fd and bacula-server
      // have passed the change on and the Director has reloaded.
      d.configure({ "run-before-backup": undefined, "run-after-backup": undefined })
      assert.deepInclude(d.status(), { status: "active" })
      d.configure({})

      const backup = await d.site.backup()
      assertEnded(backup, "T", 0, d.site)
      assert.deepStrictEqual(d.trace(), [])
      // What the charm publishes still names what the Director runs.
      assert.deepStrictEqual(appBag(d.unit.state, "backup:3"), d.bag)
    })
  })
  describe("a job Bacula fails after its before-script", () => {
    it("the storage daemon gone mid-job: no after-script runs; the unit says so once the result is due (12h before any success), not at the next job", async () => {
      const d = await deploy({
        // Waits while `<trace>.hold` exists, then succeeds.
        "run-before-backup": (t) =>
          traced(t, "run-before-backup", `while [ -e ${t}.hold ]; do sleep 0.1; done\nexit 0`),
        "run-after-backup": (t) => traced(t, "run-after-backup"),
      })
      writeFileSync(join(d.data, "db.dump"), randomBytes(100_000))
      writeFileSync(`${d.traceFile}.hold`, "")
      const jobId = d.site.startBackup()
      await until(() => d.trace().length > 0, "the before-script")
      await d.site.kill("bacula-sd")
      rmSync(`${d.traceFile}.hold`)
      // The file daemon fails the job; the Director, waiting on the storage daemon, never ends
      // it (status R) and runs no after-script: a job with no result.
      await until(
        () =>
          d.site.console([`llist joblog jobid=${jobId}`]).includes("Fatal error: Bad response from stored"),
        "the file daemon's fatal error",
      )
      await until(() => journal(d.unit).backup.jobs.length === 1, "the before-script's run in the journal")
      assert.deepStrictEqual(ran(d.trace()), ["run-before-backup"])

      // The runner's clock says when the result is due: the before-script's end plus 12 hours.
      const [job] = journal(d.unit).backup.jobs
      assert.strictEqual(job?.outcome, "running")
      const beforeEnd = job?.scripts["run-before-backup"]?.ended ?? ""
      const due = job?.resultDue ?? ""
      assert.strictEqual(Date.parse(due) - Date.parse(beforeEnd), 12 * 3600_000)
      assert.strictEqual(
        sampleValue(d.metrics(), "job_result_deadline_timestamp_seconds", { kind: "backup" }),
        Date.parse(due) / 1000,
      )
      assert.deepStrictEqual(d.status(), { status: "active", message: "no backup yet" })
      const shown = d.unit.runAction("show-backups")
      const results = (shown.state.action?.results ?? {}) as Record<
        string,
        Record<string, Record<string, string>>
      >
      assert.deepInclude(results.backup?.["job-1"], { outcome: "running", "result-due": due })

      // update-status wakes at the due: the unit's record holds it as the next status change,
      // and dispatch's memo asks for the program no later (within the hour it looks anyway).
      const units = `${d.unit.optDir}/backup-integrator-charm/backup-integrator/units`
      assert.strictEqual(JSON.parse(readFileSync(`${units}/0`, "utf8")).deadline, due)
      const memoUntil = Number(/^until (\d+)$/m.exec(readFileSync(`${units}/0.update-status`, "utf8"))?.[1])
      assert.isAtMost(memoUntil, Math.ceil(Date.parse(due) / 1000))
      // Then, once it has passed (the program's clock moved past it with libfaketime; bash's
      // EPOCHSECONDS, which dispatch compares with the memo, is not libfaketime's to move, so the
      // memo goes and the program decides): blocked, naming the job, with no job since.
      rmSync(`${d.unit.optDir}/backup-integrator-charm/backup-integrator/units/0.update-status`)
      const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
      const late = d.unit.hook("update-status", undefined, clockMoved(`+${12 * 3600 + 60}`))
      expectOk(late)
      assert.deepStrictEqual(late.state.status, {
        status: "blocked",
        message: `no result from the backup started ${minute(job?.started ?? "")}, due ${minute(due)}; see action show-backups`,
      })
      assert.deepStrictEqual(
        late.state.calls.map(([tool]) => tool),
        ["status-set"],
      )
    })
  })

  describe("what the unit knows after real jobs", () => {
    it("each job's outcome, set scripts or not: succeeded, failed at its before-script, cancelled, restored", async () => {
      const d = await deploy({
        // Fails while `<trace>.fail` exists; waits while `<trace>.hold` exists.
        "run-before-backup": (t) =>
          traced(
            t,
            "run-before-backup",
            `while [ -e ${t}.hold ]; do sleep 0.1; done\n[ -e ${t}.fail ] && exit 2\nexit 0`,
          ),
      })
      writeFileSync(join(d.data, "db.dump"), "data")
      assertEnded(await d.site.backup(), "T", 0, d.site)

      writeFileSync(`${d.traceFile}.fail`, "")
      assertEnded(await d.site.backup(), "f", undefined, d.site)
      rmSync(`${d.traceFile}.fail`)

      // Cancelled during its before-script, which then succeeds: the job never ends as far as
      // the runners see; it waits for its result until its due (1 hour: 3 times the first
      // backup's few seconds is less).
      writeFileSync(`${d.traceFile}.hold`, "")
      const cancelledId = d.site.startBackup()
      await until(() => d.trace().length === 3, "the third before-script")
      d.site.console([`cancel jobid=${cancelledId} yes`])
      assert.strictEqual((await d.site.end(cancelledId)).status, "A")
      rmSync(`${d.traceFile}.hold`)
      // The journal has a job once its before-script's run has ended.
      await until(() => journal(d.unit).backup.jobs.length === 3, "the held run's end")
      assert.strictEqual(journal(d.unit).backup.jobs[0]?.outcome, "running")

      const last = await d.site.backup()
      assertEnded(last, "T", 0, d.site)
      assertEnded(await d.site.restore(last.jobId), "T", 0, d.site)

      const { backup, restore } = journal(d.unit)
      assert.deepStrictEqual(backup.counts, { succeeded: 2, failed: 1, noResult: 0 })
      // The next job's after-script ends the newest running job: the cancelled one still waits.
      assert.deepStrictEqual(
        backup.jobs.map((job) => job.outcome),
        ["succeeded", "running", "failed", "succeeded"],
      )
      const [newest, cancelled, refused] = backup.jobs
      // The after-script, unset, ran as its runner: recorded as not set, exit status 0.
      assert.deepInclude(newest?.scripts["run-after-backup"], { set: false, exitStatus: 0 })
      assert.deepInclude(newest?.scripts["run-before-backup"], { set: true, exitStatus: 0 })
      assert.isAbove(newest?.durationMs ?? 0, 0)
      assert.isNull(cancelled?.ended)
      assert.strictEqual(
        Date.parse(cancelled?.resultDue ?? "") -
          Date.parse(cancelled?.scripts["run-before-backup"]?.ended ?? ""),
        3600_000,
      )
      assert.deepInclude(refused?.scripts["run-before-backup"], { set: true, exitStatus: 2 })
      assert.strictEqual(refused?.ended, refused?.scripts["run-before-backup"]?.ended)
      assert.deepStrictEqual(restore.counts, { succeeded: 1, failed: 0, noResult: 0 })
      assert.deepInclude(restore.jobs[0]?.scripts["run-before-restore"], { set: false, exitStatus: 0 })

      // The metrics say the same, for Prometheus, about this application on this machine
      // (COS's agent adds which unit it scraped them for).
      const metrics = d.metrics()
      const unit = { application: "backup-integrator" }
      assert.isTrue(metrics.every((sample) => Object.keys(sample.labels).every((label) => label !== "unit")))
      const seconds = (iso: string | null | undefined) => Date.parse(iso ?? "") / 1000
      assert.strictEqual(
        sampleValue(metrics, "jobs_total", { ...unit, kind: "backup", outcome: "succeeded" }),
        2,
      )
      assert.strictEqual(
        sampleValue(metrics, "jobs_total", { ...unit, kind: "backup", outcome: "failed" }),
        1,
      )
      assert.strictEqual(
        sampleValue(metrics, "jobs_total", { ...unit, kind: "restore", outcome: "succeeded" }),
        1,
      )
      assert.strictEqual(
        sampleValue(metrics, "jobs_total", { ...unit, kind: "restore", outcome: "failed" }),
        0,
      )
      assert.strictEqual(
        sampleValue(metrics, "last_success_timestamp_seconds", { kind: "backup" }),
        seconds(newest?.ended),
      )
      assert.strictEqual(
        sampleValue(metrics, "last_start_timestamp_seconds", { kind: "backup" }),
        seconds(newest?.started),
      )
      // The newest failure is the refused job; the cancelled one's result is due later.
      assert.strictEqual(
        sampleValue(metrics, "last_failure_timestamp_seconds", { kind: "backup" }),
        seconds(refused?.ended),
      )
      assert.strictEqual(
        sampleValue(metrics, "job_result_deadline_timestamp_seconds", { kind: "backup" }),
        seconds(cancelled?.resultDue),
      )
      assert.strictEqual(sampleValue(metrics, "script_last_exit_status", { script: "run-before-backup" }), 0)
      assert.strictEqual(sampleValue(metrics, "script_last_exit_status", { script: "run-after-restore" }), 0)

      // The unit says when the last backup succeeded; show-backups says the rest.
      const lastSuccess = newest?.ended ?? ""
      const minute = `${lastSuccess.slice(0, 10)} ${lastSuccess.slice(11, 16)} UTC`
      assert.deepStrictEqual(d.status(), { status: "active", message: `last backup ${minute}` })
      const shown = d.unit.runAction("show-backups")
      expectOk(shown)
      const results = (shown.state.action?.results ?? {}) as Record<string, Record<string, unknown>>
      const job = (kind: string, n: number) => (results[kind]?.[`job-${n}`] ?? {}) as Record<string, string>
      assert.deepInclude(results.backup, {
        succeeded: "2",
        failed: "1",
        "no-result": "0",
        "last-success": lastSuccess,
      })
      assert.deepStrictEqual(
        [1, 2, 3, 4].map((n) => job("backup", n).outcome),
        ["succeeded", "running", "failed", "succeeded"],
      )
      assert.strictEqual(job("backup", 2)["result-due"], cancelled?.resultDue)
      assert.match(job("backup", 1)["run-before-backup"] ?? "", /^exit status 0 in /)
      assert.strictEqual(job("backup", 1)["run-after-backup"], "no script")
      assert.isUndefined(job("backup", 2).ended)
      assert.match(job("backup", 3)["run-before-backup"] ?? "", /^exit status 2 in /)
      assert.strictEqual(job("backup", 3)["run-after-backup"], "did not run")
      assert.deepInclude(results.restore, { succeeded: "1", failed: "0" })
      assert.strictEqual(job("restore", 1).outcome, "succeeded")

      // With backup-max-age, the unit is blocked once the last success is older.
      d.configure({ "backup-max-age": "1s" })
      await until(() => d.status().status === "blocked", "backup-max-age to pass")
      assert.deepStrictEqual(d.status(), {
        status: "blocked",
        message: `no successful backup since ${minute} (backup-max-age 1s)`,
      })
    })

    it("a fileset path missing at a backup: Bacula says OK with warnings; the unit is blocked naming it, until a backup finds it", async () => {
      const d = await deploy(
        { "run-before-backup": (t) => traced(t, "run-before-backup") },
        (data) => `${data},${data}-gone`,
      )
      const gone = `${d.data}-gone`
      writeFileSync(join(d.data, "db.dump"), "data")
      const backup = await d.site.backup()
      assert.match(backup.log, /Could not stat "?[^\n]*-gone/, backup.log)
      assert.match(backup.log, /Backup OK -- with warnings/)
      const checked = journal(d.unit).backup.jobs[0]?.scripts["run-before-backup"]?.held?.checked ?? ""
      assert.deepStrictEqual(d.status(), {
        status: "blocked",
        message: `fileset path ${JSON.stringify(gone)} missing at the backup of ${checked.slice(0, 10)} ${checked.slice(11, 16)} UTC; see action show-backups`,
      })
      const shown = d.unit.runAction("show-backups")
      expectOk(shown)
      const results = (shown.state.action?.results ?? {}) as Record<string, Record<string, unknown>>
      const job = (results.backup?.["job-1"] ?? {}) as Record<string, string>
      assert.match(job["fileset-1"] ?? "", /^".*\/data": 1 file, 4 bytes, newest change /)
      assert.strictEqual(job["fileset-2"], `${JSON.stringify(gone)}: missing`)
      assert.strictEqual(sampleValue(d.metrics(), "path_present", { path: gone }), 0)

      mkdirSync(gone)
      writeFileSync(join(gone, "upload"), "x")
      assertEnded(await d.site.backup(), "T", 0, d.site)
      assert.deepInclude(d.status(), { status: "active" })
      assert.strictEqual(sampleValue(d.metrics(), "path_present", { path: gone }), 1)
    })
  })
})
