// Backups as an operator sees them through the packed charm: the runners at the published
// paths run as Bacula runs them, the unit status with the last backup, backup-max-age, and an
// update-status that costs nothing until the status changes.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, afterEach, assert, describe, it } from "vitest"
import { clockMoved } from "../../scripts/faketime.ts"
import { backupRelation, CharmUnit, expectOk } from "../support/charm-unit.ts"

const units: Array<CharmUnit> = []
afterEach(() => {
  for (const made of units.splice(0)) made.remove()
})

/** What the fileset names: a directory holding a dump, as a backup that works finds it. */
const data = mkdtempSync(join(tmpdir(), "fileset-"))
writeFileSync(join(data, "db.dump"), "data")
afterAll(() => rmSync(data, { recursive: true, force: true }))

const dump = '#!/bin/sh\necho dumping\n[ -e "$FAIL" ] && exit 2\nexit 0\n'
const configured = (extra: Record<string, string> = {}) => {
  const u = new CharmUnit({
    config: { fileset: data, "run-before-backup": dump, ...extra },
    relations: { "backup:3": backupRelation() },
  })
  units.push(u)
  const first = u.hook("config-changed")
  expectOk(first)
  return u
}

/** Bacula running a published path: the runner, as root, with bacula-fd's environment. */
const baculaRuns = (u: CharmUnit, option: string, env: Record<string, string> = {}) =>
  spawnSync(u.runnerPath(option), [], {
    encoding: "utf8",
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...env },
  })

const tools = (u: CharmUnit) => u.state.calls.map(([tool]) => tool)
const recordPath = (u: CharmUnit) => `${u.optDir}/backup-integrator-charm/backup-integrator/units/0`
const journalOf = (u: CharmUnit) =>
  JSON.parse(readFileSync(`${u.optDir}/backup-integrator-charm/backup-integrator/jobs.json`, "utf8"))
const whenText = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`

describe("the last backup in the status", () => {
  it("no backup yet; a backup ends: one status-set at the next update-status, then none", () => {
    const u = configured()
    assert.deepStrictEqual(u.state.status, { status: "active", message: "no backup yet" })
    assert.strictEqual(baculaRuns(u, "run-before-backup").status, 0)
    // Started, not ended: nothing to show yet.
    assert.deepStrictEqual(u.hook("update-status").state.calls, [])
    assert.strictEqual(baculaRuns(u, "run-after-backup").status, 0)
    const ended = u.hook("update-status")
    assert.deepStrictEqual(tools(u), ["status-set"])
    const lastSuccess = journalOf(u).backup.lastSuccess
    assert.deepStrictEqual(ended.state.status, {
      status: "active",
      message: `last backup ${whenText(lastSuccess)}`,
    })
    assert.deepStrictEqual(u.hook("update-status").state.calls, [])
    // A reconciling hook shows the same, and the restores' jobs change nothing of it.
    assert.deepStrictEqual(u.hook("config-changed").state.status, ended.state.status)
    baculaRuns(u, "run-before-restore")
    baculaRuns(u, "run-after-restore")
    const restored = u.hook("update-status")
    assert.deepStrictEqual(restored.state.calls, [])
  })

  it("a failing before-script fails the job: shown as the failed script, as before", () => {
    const u = configured()
    assert.strictEqual(baculaRuns(u, "run-before-backup", { FAIL: "/" }).status, 2)
    const failed = u.hook("update-status")
    assert.deepStrictEqual(tools(u), ["status-set"])
    assert.match(failed.state.status.message, /^run-before-backup failed \(exit status 2\) at /)
    assert.strictEqual(journalOf(u).backup.jobs[0].outcome, "failed")
  })

  it("backup-max-age passing at update-status: blocked with exactly one status-set, then quiet", () => {
    const u = configured({ "backup-max-age": "26h" })
    baculaRuns(u, "run-before-backup")
    baculaRuns(u, "run-after-backup")
    assert.deepStrictEqual(u.hook("update-status").state.calls.length, 1)
    // Two days later, as far as the unit's record can tell: its times moved back by two days.
    const record = JSON.parse(readFileSync(recordPath(u), "utf8"))
    const earlier = (iso: string) => new Date(Date.parse(iso) - 48 * 3600 * 1000).toISOString()
    writeFileSync(
      recordPath(u),
      JSON.stringify({
        ...record,
        lastBackup: earlier(record.lastBackup),
        checkSince: earlier(record.checkSince),
        deadline: earlier(record.deadline),
      }),
    )
    // And dispatch's memo, made from it: its instant has passed too.
    const memo = `${recordPath(u)}.update-status`
    const seconds = Math.ceil(Date.parse(earlier(record.deadline)) / 1000)
    writeFileSync(memo, readFileSync(memo, "utf8").replace(/^until \d+$/m, `until ${seconds}`))
    const stale = u.hook("update-status")
    expectOk(stale)
    assert.deepStrictEqual(tools(u), ["status-set"])
    assert.deepStrictEqual(stale.state.status, {
      status: "blocked",
      message: `no successful backup since ${whenText(earlier(record.lastBackup))} (backup-max-age 26h)`,
    })
    assert.deepStrictEqual(u.hook("update-status").state.calls, [])
    // The next backup clears it.
    baculaRuns(u, "run-before-backup")
    baculaRuns(u, "run-after-backup")
    const again = u.hook("update-status")
    assert.deepStrictEqual(tools(u), ["status-set"])
    assert.strictEqual(again.state.status.status, "active")
  })

  it("run-script is no backup: the action's run is numbered in the journal, and adds no job", () => {
    const u = configured()
    const ran = u.runAction("run-script", { name: "run-before-backup" })
    expectOk(ran)
    assert.deepStrictEqual(u.state.status, { status: "active", message: "no backup yet" })
    const { backup, restore } = journalOf(u)
    assert.deepStrictEqual([backup.jobs, restore.jobs], [[], []])
  })
})

describe("a clock set 30 days ahead, then back", () => {
  it("ten backups ahead, then three failures: none pruned, show-runs and the status name them, the future is said", () => {
    const u = configured()
    const ahead = clockMoved("+30d")
    for (let i = 0; i < 10; i++) {
      assert.strictEqual(baculaRuns(u, "run-before-backup", ahead).status, 0)
      assert.strictEqual(baculaRuns(u, "run-after-backup", ahead).status, 0)
    }
    for (let i = 0; i < 3; i++)
      assert.strictEqual(baculaRuns(u, "run-before-backup", { FAIL: "/" }).status, 2)

    const runs = u.runAction("show-runs")
    expectOk(runs)
    const listed = (
      (runs.state.action?.results ?? {}) as Record<string, Record<string, Record<string, string>>>
    )["run-before-backup"]
    assert.deepStrictEqual(
      [1, 2, 3, 4].map((n) => listed?.[`run-${n}`]?.result),
      ["exit status 2", "exit status 2", "exit status 2", "exit status 0"],
    )
    const failed = u.hook("update-status")
    assert.match(
      failed.state.status.message,
      /^run-before-backup failed \(exit status 2\) at \d{4}-\d\d-\d\d \d\d:\d\d UTC; see action show-runs$/,
    )
    const shown = u.runAction("show-backups")
    const { backup } = (shown.state.action?.results ?? {}) as Record<string, Record<string, string>>
    assert.include(backup, { succeeded: "10", failed: "3" })
    assert.match(backup?.["last-success"] ?? "", /^\d{4}-.*Z \(future: clock\?\)$/)

    // The script fixed, the status shows the last backup, and that it is in the future.
    writeFileSync(u.operatorScript("run-before-backup"), "#!/bin/sh\nexit 0\n")
    assert.strictEqual(baculaRuns(u, "run-before-backup").status, 0)
    assert.match(u.hook("update-status").state.status.message, /^last backup .* UTC \(future: clock\?\)$/)
  })
})

describe("show-backups", () => {
  it("the jobs Bacula ran on this machine, newest first, each script's result; declared and run as Juju runs actions", () => {
    const u = configured()
    baculaRuns(u, "run-before-backup")
    baculaRuns(u, "run-after-backup")
    baculaRuns(u, "run-before-backup", { FAIL: "/" })
    const shown = u.runAction("show-backups")
    expectOk(shown)
    assert.deepStrictEqual(tools(u), ["action-set"])
    const results = shown.state.action?.results as Record<string, Record<string, unknown>>
    const backup = results.backup as Record<string, Record<string, string>>
    assert.strictEqual(backup.succeeded as unknown, "1")
    assert.strictEqual(backup.failed as unknown, "1")
    assert.include(backup["job-1"], { outcome: "failed", "run-after-backup": "did not run" })
    assert.match(backup["job-1"]?.["run-before-backup"] ?? "", /^exit status 2 in \d+\.\ds$/)
    assert.include(backup["job-2"], { outcome: "succeeded", "run-after-backup": "no script" })
    assert.strictEqual(backup["job-2"]?.ended, journalOf(u).backup.lastSuccess)
    assert.deepStrictEqual(results.restore, {
      succeeded: "0",
      failed: "0",
      "no-result": "0",
      "last-success": "none yet",
    })
  })
})
