// The job journal the runner (src/runner/) keeps, through real runs of real runners:
// before and after pairs, failed starts, missing ends, runs ending at once, run-script's runs.
import { spawn, spawnSync } from "node:child_process"
import {
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import * as Schema from "effect/Schema"
import { afterEach, assert, describe, it } from "vitest"
import { clockMoved } from "../../scripts/faketime.ts"
import { emptyJournal, JobJournal } from "../../src/domain/job-journal.ts"
import type { ScriptOption } from "../../src/domain/options.ts"
import { runnerApp } from "../support/runner-app.ts"

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** An application directory with the four runners and the given scripts. */
const install = (scripts: Partial<Record<ScriptOption, string>>) => {
  const app = runnerApp("journal-", scripts)
  dirs.push(app)
  return app
}

/** Bacula running a published path; `env` stands for anything more in its environment. */
const run = (app: string, option: ScriptOption, env: Record<string, string> = {}) =>
  spawnSync(join(app, "scripts", option), [], {
    encoding: "utf8",
    env: { PATH: "/usr/bin:/bin", ...env },
    timeout: 60_000,
  })

const journalOf = (app: string) =>
  Schema.decodeUnknownSync(Schema.fromJsonString(JobJournal))(readFileSync(join(app, "jobs.json"), "utf8"))

const runRecord = (app: string, option: ScriptOption) => {
  const [newest = ""] = readdirSync(join(app, "runs", option))
    .sort()
    .reverse()
  return { ...JSON.parse(readFileSync(join(app, "runs", option, newest), "utf8")), name: newest }
}

const ok = "#!/bin/sh\nexit 0\n"
const fails = "#!/bin/sh\necho 'pg_dump: connection refused' >&2\nexit 2\n"

describe("the job journal", () => {
  it("a before and an after run: one backup succeeded, from the start of one to the end of the other", () => {
    const app = install({ "run-before-backup": ok, "run-after-backup": ok })
    assert.strictEqual(run(app, "run-before-backup").status, 0)
    const running = journalOf(app)
    assert.strictEqual(running.backup.jobs[0]?.outcome, "running")
    assert.strictEqual(running.backup.jobs[0]?.ended, null)
    assert.strictEqual(run(app, "run-after-backup").status, 0)
    const before = runRecord(app, "run-before-backup")
    const after = runRecord(app, "run-after-backup")
    const journal = journalOf(app)
    assert.deepStrictEqual(journal.backup.counts, { succeeded: 1, failed: 0, noResult: 0 })
    assert.deepStrictEqual(journal.restore, {
      counts: { succeeded: 0, failed: 0, noResult: 0 },
      lastSuccess: null,
      jobs: [],
    })
    assert.strictEqual(journal.backup.lastSuccess, after.ended)
    // Written as version 2, which the schema holds to the runner's forms (not read as version 1).
    assert.strictEqual(JSON.parse(readFileSync(join(app, "jobs.json"), "utf8")).version, 2)
    const [job] = journal.backup.jobs
    assert.deepStrictEqual(job, {
      sequence: Number(before.name.slice(0, 13)),
      started: before.started,
      ended: after.ended,
      outcome: "succeeded",
      durationMs: Date.parse(after.ended) - Date.parse(before.started),
      // Before any success: 12 hours after the before-script.
      resultDue: new Date(Date.parse(before.ended) + 12 * 3600_000).toISOString(),
      scripts: {
        "run-before-backup": {
          set: true,
          started: before.started,
          ended: before.ended,
          durationMs: before.durationMs,
          exitStatus: 0,
          signal: null,
          timedOut: false,
        },
        "run-after-backup": {
          set: true,
          started: after.started,
          ended: after.ended,
          durationMs: after.durationMs,
          exitStatus: 0,
          signal: null,
          timedOut: false,
        },
      },
    })
    assert.strictEqual(statSync(join(app, "jobs.json")).mode & 0o7777, 0o600)
    assert.strictEqual(statSync(join(app, "jobs.lock")).mode & 0o7777, 0o600)
    assert.deepStrictEqual(
      readdirSync(app).filter((name) => name.includes(".tmp")),
      [],
    )
  })

  it("unset options count too: their runners stand in for bacula-fd's no-op", () => {
    const app = install({})
    run(app, "run-before-restore")
    run(app, "run-after-restore")
    const [job] = journalOf(app).restore.jobs
    assert.strictEqual(job?.outcome, "succeeded")
    assert.strictEqual(job?.scripts["run-before-restore"]?.set, false)
    assert.strictEqual(job?.scripts["run-after-restore"]?.set, false)
  })

  it("a failing before-script fails its job at once (Bacula runs no after-script then)", () => {
    const app = install({ "run-before-backup": fails })
    assert.strictEqual(run(app, "run-before-backup").status, 2)
    const before = runRecord(app, "run-before-backup")
    const journal = journalOf(app)
    assert.deepStrictEqual(journal.backup.counts, { succeeded: 0, failed: 1, noResult: 0 })
    assert.isNull(journal.backup.lastSuccess)
    assert.include(journal.backup.jobs[0], {
      started: before.started,
      ended: before.ended,
      outcome: "failed",
      durationMs: before.durationMs,
    })
    assert.strictEqual(journal.backup.jobs[0]?.scripts["run-before-backup"]?.exitStatus, 2)
    assert.isNull(journal.backup.jobs[0]?.scripts["run-after-backup"])
  })

  it("a failing after-script: the job still succeeded (Bacula: OK -- with warnings), its result says how it ended", () => {
    const app = install({ "run-after-backup": fails })
    run(app, "run-before-backup")
    assert.strictEqual(run(app, "run-after-backup").status, 2)
    const [job] = journalOf(app).backup.jobs
    assert.strictEqual(job?.outcome, "succeeded")
    assert.strictEqual(job?.scripts["run-after-backup"]?.exitStatus, 2)
  })

  it("an after run with no job running (started before the journal): a success of unknown start", () => {
    const app = install({})
    run(app, "run-after-backup")
    const [job] = journalOf(app).backup.jobs
    assert.include(job, { started: null, outcome: "succeeded", durationMs: null })
    assert.isNull(job?.scripts["run-before-backup"])
  })

  it("keeps the last 30 jobs of each kind, newest first; the counts go on", () => {
    const app = install({})
    for (let i = 0; i < 32; i++) run(app, i % 2 ? "run-after-restore" : "run-before-restore")
    run(app, "run-before-restore")
    run(app, "run-before-restore")
    const { restore } = journalOf(app)
    assert.strictEqual(restore.jobs.length, 18)
    assert.deepStrictEqual(restore.counts, { succeeded: 16, failed: 0, noResult: 0 })
    for (let i = 0; i < 30; i++) run(app, "run-after-restore")
    const later = journalOf(app).restore
    assert.strictEqual(later.jobs.length, 30)
    assert.strictEqual(later.lastSuccess, later.jobs[0]?.ended)
    assert.deepStrictEqual(later.counts, { succeeded: 46, failed: 0, noResult: 0 })
    const sequences = later.jobs.map(({ sequence }) => sequence)
    assert.deepStrictEqual(
      sequences,
      [...sequences].sort((a, b) => b - a),
    )
  })

  it("runs ending at once each leave their job: none lost under the lock", async () => {
    const app = install({ "run-after-backup": "#!/bin/sh\nsleep 0.2\n" })
    const ends = Array.from({ length: 8 }, () =>
      spawn(join(app, "scripts", "run-after-backup"), [], { stdio: "ignore" }),
    )
    const codes = await Promise.all(
      ends.map((child) => new Promise<number | null>((resolve) => child.on("exit", resolve))),
    )
    assert.deepStrictEqual(codes, Array(8).fill(0))
    const journal = journalOf(app)
    assert.strictEqual(journal.backup.jobs.length, 8)
    assert.deepStrictEqual(journal.backup.counts, { succeeded: 8, failed: 0, noResult: 0 })
  })

  it("run-script's runs are recorded and numbered, but are no job of Bacula's", () => {
    const app = install({ "run-before-backup": ok })
    assert.strictEqual(run(app, "run-before-backup", { BACKUP_INTEGRATOR_ACTION: "1" }).status, 0)
    assert.match(readdirSync(join(app, "runs", "run-before-backup")).join(), /^0000000000001-\d+\.json$/)
    assert.deepStrictEqual(journalOf(app), { ...emptyJournal, sequence: 1 })
  })

  it("a journal that is not one (garbage, a link, a FIFO) is started anew, nothing followed", () => {
    const app = install({})
    writeFileSync(join(app, "jobs.json"), "{not json")
    const garbage = run(app, "run-after-backup")
    assert.strictEqual(garbage.status, 0)
    assert.include(garbage.stderr, "backup-integrator: the job journal was unreadable: starting a new one")
    assert.strictEqual(journalOf(app).backup.jobs.length, 1)

    const victim = join(app, "victim")
    writeFileSync(victim, "precious")
    rmSync(join(app, "jobs.json"))
    symlinkSync(victim, join(app, "jobs.json"))
    assert.strictEqual(run(app, "run-after-backup").status, 0)
    assert.strictEqual(readFileSync(victim, "utf8"), "precious")
    assert.isTrue(lstatSync(join(app, "jobs.json")).isFile())

    rmSync(join(app, "jobs.json"))
    spawnSync("mkfifo", [join(app, "jobs.json")])
    assert.strictEqual(run(app, "run-after-backup").status, 0)
    assert.strictEqual(journalOf(app).backup.jobs.length, 1)
  })
})

/** The same, with the runner writing its metrics into a textfile directory of its own. */
const installWithMetrics = (scripts: Partial<Record<ScriptOption, string>>) => {
  const textfiles = mkdtempSync(join(tmpdir(), "journal-textfiles-"))
  dirs.push(textfiles)
  const app = runnerApp("journal-", scripts, { metricsDirectories: [textfiles] })
  dirs.push(app)
  const metric = (name: string, labels: string) => {
    const text = readFileSync(join(textfiles, `backup-integrator-${basename(app)}.prom`), "utf8")
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`backup_integrator_${name}{`) && l.includes(labels))
    assert.isDefined(line, `${name} ${labels} in\n${text}`)
    return Number(line?.split(" ").at(-1))
  }
  return { app, metric }
}

/** A thousand runners one after another in 20 lines: minutes on a busy 2-core machine. */
const manyRuns = { timeout: 900_000 }

/** Runs a published path in the background, as bacula-fd does for each of its jobs at once. */
const runAsync = (app: string, option: ScriptOption, env: Record<string, string> = {}) =>
  new Promise<number | null>((done) =>
    spawn(join(app, "scripts", option), [], { stdio: "ignore", env: { PATH: "/usr/bin:/bin", ...env } }).on(
      "exit",
      done,
    ),
  )

describe("overlapping jobs, counted exactly", () => {
  it("two overlapping successful backups: both succeed, and no failure is ever counted", () => {
    const { app, metric } = installWithMetrics({})
    run(app, "run-before-backup")
    run(app, "run-before-backup")
    assert.strictEqual(metric("last_failure_timestamp_seconds", 'kind="backup"'), 0)
    assert.strictEqual(metric("jobs_total", 'kind="backup",outcome="failed"'), 0)
    run(app, "run-after-backup")
    run(app, "run-after-backup")
    const { backup } = journalOf(app)
    assert.deepStrictEqual(backup.counts, { succeeded: 2, failed: 0, noResult: 0 })
    assert.deepStrictEqual(
      backup.jobs.map(({ outcome }) => outcome),
      ["succeeded", "succeeded"],
    )
    // The newest running job is the one the first after-script ends (the older is most often
    // one Bacula failed): here their ends are swapped, which no script can tell.
    const [newer, older] = backup.jobs
    assert.isTrue((newer?.ended ?? "") < (older?.ended ?? ""))
    assert.strictEqual(metric("last_failure_timestamp_seconds", 'kind="backup"'), 0)
    assert.strictEqual(metric("jobs_total", 'kind="backup",outcome="succeeded"'), 2)
  })

  it(
    "20 workers × 25 successful jobs at once: 500 succeeded, none failed, none invented",
    manyRuns,
    async () => {
      const app = install({})
      const worker = async () => {
        for (let i = 0; i < 25; i++) {
          assert.strictEqual(await runAsync(app, "run-before-backup"), 0)
          assert.strictEqual(await runAsync(app, "run-after-backup"), 0)
        }
      }
      await Promise.all(Array.from({ length: 20 }, worker))
      const { backup } = journalOf(app)
      assert.deepStrictEqual(backup.counts, { succeeded: 500, failed: 0, noResult: 0 })
      assert.isTrue(backup.jobs.every((job) => job.started !== null && job.outcome === "succeeded"))
    },
  )
})

describe("a job with no result", () => {
  it("is due 12h after its before-script before any success; the next start past that finds it without a result", () => {
    const { app, metric } = installWithMetrics({})
    run(app, "run-before-backup")
    const [running] = journalOf(app).backup.jobs
    const before = runRecord(app, "run-before-backup")
    assert.strictEqual(Date.parse(running?.resultDue ?? "") - Date.parse(before.ended), 12 * 3600_000)
    assert.strictEqual(
      metric("job_result_deadline_timestamp_seconds", 'kind="backup"'),
      Date.parse(running?.resultDue ?? "") / 1000,
    )
    assert.strictEqual(metric("job_result_deadline_timestamp_seconds", 'kind="restore"'), 0)

    // Bacula failed that job after its before-script: the next one starts 13 hours later.
    run(app, "run-before-backup", clockMoved("+13h"))
    const { backup } = journalOf(app)
    assert.deepStrictEqual(backup.counts, { succeeded: 0, failed: 0, noResult: 1 })
    assert.deepStrictEqual(
      backup.jobs.map(({ outcome }) => outcome),
      ["running", "no-result"],
    )
    assert.strictEqual(metric("jobs_total", 'kind="backup",outcome="no_result"'), 1)
    assert.strictEqual(
      metric("last_failure_timestamp_seconds", 'kind="backup"'),
      Date.parse(running?.started ?? "") / 1000,
    )
  })

  it("is due at 3 times the longest recent success, at least an hour, after its before-script", () => {
    const app = install({ "run-after-backup": "#!/bin/sh\nexit 0\n" })
    run(app, "run-before-backup")
    run(app, "run-after-backup", clockMoved("+2h"))
    run(app, "run-before-backup", clockMoved("+1d"))
    const [running, done] = journalOf(app).backup.jobs
    const before = running?.scripts["run-before-backup"]
    assert.strictEqual(
      Date.parse(running?.resultDue ?? "") - Date.parse(before?.ended ?? ""),
      3 * (done?.durationMs ?? 0),
    )
    assert.isAbove(done?.durationMs ?? 0, 2 * 3600_000)
  })
})

describe("a clock set ahead, then back", () => {
  it("runs are numbered, not timed: no failure pruned, the newest is the newest, the metrics count it and say the future", () => {
    const { app, metric } = installWithMetrics({ "run-before-backup": ok })
    for (let i = 0; i < 10; i++) {
      run(app, "run-before-backup", clockMoved("+30d"))
      run(app, "run-after-backup", clockMoved("+30d"))
    }
    writeFileSync(join(app, "operator-scripts", "run-before-backup"), fails)
    for (let i = 0; i < 3; i++) assert.strictEqual(run(app, "run-before-backup").status, 2)
    const names = readdirSync(join(app, "runs", "run-before-backup")).sort()
    assert.strictEqual(names.length, 10)
    const newest = names
      .slice(-3)
      .map((name) => JSON.parse(readFileSync(join(app, "runs", "run-before-backup", name), "utf8")))
    assert.deepStrictEqual(
      newest.map((record) => record.exitStatus),
      [2, 2, 2],
    )
    const { backup } = journalOf(app)
    assert.deepStrictEqual(backup.counts, { succeeded: 10, failed: 3, noResult: 0 })
    assert.deepStrictEqual(
      backup.jobs.slice(0, 4).map(({ outcome }) => outcome),
      ["failed", "failed", "failed", "succeeded"],
    )
    assert.strictEqual(metric("script_last_exit_status", 'script="run-before-backup"'), 2)
    assert.strictEqual(metric("jobs_total", 'kind="backup",outcome="failed"'), 3)
    assert.isAbove(metric("future_timestamps", ""), 0)
  })
})
