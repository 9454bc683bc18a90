// The packed charm with its runner, as an operator sees it: runs Bacula starts, the status
// they leave, the actions, and an update-status that costs nothing when nothing changed.
import { spawnSync } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { afterEach, assert, describe, it } from "vitest"
import { backupRelation, CharmUnit, expectOk, type HookResult } from "../support/charm-unit.ts"

const units: Array<CharmUnit> = []
const unit = (...args: ConstructorParameters<typeof CharmUnit>) => {
  const made = new CharmUnit(...args)
  units.push(made)
  return made
}
afterEach(() => {
  for (const made of units.splice(0)) made.remove()
})

const dump =
  "#!/bin/sh\necho dumping\n[ -e \"$FAIL\" ] && { echo 'pg_dump: connection refused' >&2; exit 2; }\nexit 0\n"
const configured = (extra: Record<string, string> = {}, leader = true) => {
  const u = unit({
    leader,
    config: { fileset: "/var/backups/postgresql", "run-before-backup": dump, ...extra },
    relations: { "backup:3": backupRelation() },
  })
  const first = u.hook("config-changed")
  expectOk(first)
  return u
}

/** Bacula starting a published script: its runner, as root, with bacula-fd's environment. */
const baculaRuns = (u: CharmUnit, option: string, env: Record<string, string> = {}) =>
  spawnSync(u.runnerPath(option), [], {
    encoding: "utf8",
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...env },
  })

const tools = (u: CharmUnit) => u.state.calls.map(([tool]) => tool)

/** show-runs' results: by script, by run. */
const runsOf = (result: HookResult) =>
  (result.state.action?.results ?? {}) as Record<string, Record<string, Record<string, string>>>

describe("update-status", () => {
  it("with nothing changed: no hook-tool call at all, the status stays", () => {
    for (const leader of [true, false]) {
      const u = configured({}, leader)
      const before = u.state.status
      const result = u.hook("update-status")
      expectOk(result)
      assert.deepStrictEqual(result.state.calls, [])
      assert.deepStrictEqual(result.state.status, before)
    }
  })

  it("a script changed or deleted on disk is put back, and says so in the log", () => {
    const u = configured()
    writeFileSync(u.operatorScript("run-before-backup"), "#!/bin/sh\necho tampered\n")
    const repaired = u.hook("update-status")
    expectOk(repaired)
    assert.strictEqual(readFileSync(u.operatorScript("run-before-backup"), "utf8"), dump)
    assert.match(
      repaired.state.logs[0]?.message ?? "",
      /^changed on disk, repairing: .*operator-scripts\/run-before-backup$/,
    )
    // A reconcile; the status, unchanged, is not set again.
    assert.include(tools(u), "config-get")
    assert.notInclude(tools(u), "status-set")

    rmSync(u.runnerPath("run-before-backup"))
    expectOk(u.hook("update-status"))
    assert.strictEqual(
      readFileSync(u.runnerPath("run-before-backup"), "utf8").split("\n")[0],
      "#!/usr/bin/python3 -I",
    )
    assert.deepStrictEqual(u.hook("update-status").state.calls, [])
  })

  it("a failed run shows from the next update-status on, with one status-set, until the script succeeds", () => {
    const u = configured()
    const failed = baculaRuns(u, "run-before-backup", { FAIL: "/" })
    assert.strictEqual(failed.status, 2)
    assert.strictEqual(failed.stdout, "dumping\n")
    assert.strictEqual(failed.stderr, "pg_dump: connection refused\n")

    const shown = u.hook("update-status")
    assert.deepStrictEqual(tools(u), ["status-set"])
    assert.strictEqual(shown.state.status.status, "blocked")
    assert.match(
      shown.state.status.message,
      /^run-before-backup failed \(exit status 2\) at \d{4}-\d\d-\d\d \d\d:\d\d UTC; see action show-runs$/,
    )
    // Shown once: the next update-status has nothing to say.
    assert.deepStrictEqual(u.hook("update-status").state.calls, [])
    // Other hooks keep showing it.
    assert.strictEqual(u.hook("config-changed").state.status.status, "blocked")

    assert.strictEqual(baculaRuns(u, "run-before-backup").status, 0)
    const cleared = u.hook("update-status")
    assert.deepStrictEqual(tools(u), ["status-set"])
    assert.deepStrictEqual(cleared.state.status, { status: "active", message: "no backup yet" })
  })

  it("a run stopped at script-timeout shows as timed out; a configuration or relation problem comes first", () => {
    const u = configured({ "script-timeout": "1s", "run-after-backup": "#!/bin/sh\nsleep 30\n" })
    const run = baculaRuns(u, "run-after-backup")
    assert.strictEqual(run.status, 124)
    assert.include(run.stderr, "run-after-backup timed out after 1s")
    assert.match(
      u.hook("update-status").state.status.message,
      /^run-after-backup timed out after 1s at .* UTC; see action show-runs$/,
    )

    u.update((s) => {
      s.relations = {}
    })
    assert.deepStrictEqual(u.hook("backup-relation-broken", undefined).state.status, {
      status: "waiting",
      message: "waiting for backup relation",
    })
    u.update((s) => {
      s.config = { ...s.config, "script-timeout": "soon" }
    })
    assert.deepStrictEqual(u.hook("config-changed").state.status, {
      status: "blocked",
      message: "invalid script-timeout: expected a duration such as 30m, 1h30m or 90s",
    })
  })
})

describe("actions", () => {
  it("run-script runs the script now as Bacula would, on a follower too, and returns how it ended", () => {
    const u = configured({}, false)
    const result = u.runAction("run-script", { name: "run-before-backup" })
    expectOk(result)
    const action = result.state.action
    assert.isUndefined(action?.failed)
    assert.deepInclude(action?.results, { result: "exit status 0", output: "dumping\n" })
    assert.match(String(action?.results.duration), /^\d+\.\ds$/)
    assert.deepStrictEqual(action?.logs, ["running run-before-backup as Bacula runs it"])
    // It is recorded as any run: show-runs lists it.
    const runs = u.runAction("show-runs").state.action?.results as Record<
      string,
      Record<string, Record<string, string>>
    >
    assert.strictEqual(runs["run-before-backup"]?.["run-1"]?.result, "exit status 0")
  })

  it("run-script fails the action when the script fails, returns its output, and the status follows", () => {
    const u = configured({ "run-before-backup": "#!/bin/sh\necho 'no database mydb' >&2\nexit 3\n" })
    const result = u.runAction("run-script", { name: "run-before-backup" })
    expectOk(result)
    assert.strictEqual(result.state.action?.failed, "run-before-backup failed: exit status 3")
    assert.deepInclude(result.state.action?.results, {
      result: "exit status 3",
      output: "no database mydb\n",
    })
    assert.match(result.state.status.message, /^run-before-backup failed \(exit status 3\)/)
  })

  it("the actions are declared as Juju needs them: an undeclared action or a bad name never reaches the charm", () => {
    const u = configured()
    assert.throws(() => u.runAction("do-backup"), /not defined/)
    assert.throws(() => u.runAction("run-script", { name: "rm -rf /" }), /validation failed/)
    assert.throws(() => u.runAction("run-script"), /validation failed/)
    assert.throws(() => u.runAction("show-runs", { verbose: true }), /validation failed/)
  })

  it("run-script of a script that is not set fails, saying how to set it; show-runs lists each script's runs", () => {
    const u = configured()
    const unset = u.runAction("run-script", { name: "run-after-restore" })
    assert.strictEqual(
      unset.state.action?.failed,
      "run-after-restore is not set: juju config backup-integrator run-after-restore=@script.sh",
    )
    baculaRuns(u, "run-before-backup", { FAIL: "/" })
    baculaRuns(u, "run-before-backup")
    const shown = u.runAction("show-runs")
    expectOk(shown)
    const runs = runsOf(shown)["run-before-backup"]
    assert.strictEqual(runs?.["run-1"]?.result, "exit status 0")
    assert.strictEqual(runs?.["run-2"]?.result, "exit status 2")
    assert.strictEqual(runs?.["run-2"]?.output, "dumping\npg_dump: connection refused\n")
    assert.deepStrictEqual(tools(u), ["action-set"])
  })
})

describe("upgrade from the charm before the runner", () => {
  it("the scripts move beside their runners, the published paths stay: no relation-set", () => {
    const u = configured()
    // As the earlier charm left the machine: the script itself at the published path, an empty marker.
    const app = `${u.optDir}/backup-integrator-charm/backup-integrator`
    writeFileSync(u.runnerPath("run-before-backup"), dump, { mode: 0o700 })
    rmSync(`${app}/operator-scripts`, { recursive: true })
    rmSync(`${app}/runner.json`)
    writeFileSync(`${app}/units/0`, "")
    const result = u.hook("upgrade-charm")
    expectOk(result)
    assert.notInclude(tools(u), "relation-set")
    assert.strictEqual(readFileSync(u.operatorScript("run-before-backup"), "utf8"), dump)
    assert.strictEqual(baculaRuns(u, "run-before-backup").stdout, "dumping\n")
    assert.deepStrictEqual(u.hook("update-status").state.calls, [])
  })
})
