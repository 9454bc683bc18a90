// `juju refresh` from the Python charm of the same name: each unit laid out as the Python
// charm leaves it, then upgrade-charm and config-changed, as Juju runs them.
import { spawnSync } from "node:child_process"
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs"
import { join } from "node:path"
import { afterEach, assert, describe, it } from "vitest"
import { scriptOptions } from "../../src/domain/options.ts"
import { appBag } from "../emulator/state.ts"
import { backupRelation, CharmUnit, expectOk } from "../support/charm-unit.ts"

// A configuration the Python charm published: names in other scripts, punctuation, and a
// script without a #! line, which Bacula runs with /bin/sh.
const config = {
  fileset: "/srv/डेटा, /var/backups/o'brien(old), /var//lib/app/",
  "run-before-backup": "PGPASSWORD=s3cret pg_dump mydb > /var/backups/o'brien(old)/db.sql\n",
  "run-after-restore": "#!/bin/sh\npsql mydb < /var/backups/db.sql\n",
}
const fileset = "/srv/डेटा,/var/backups/o'brien(old),/var/lib/app"

const units: Array<CharmUnit> = []
afterEach(() => {
  for (const made of units.splice(0)) made.remove()
})

/** The Python charm's scripts directory on a unit's machine: `<app>-<unit number>/scripts/`. */
const pythonDir = (u: CharmUnit, n: number) =>
  join(u.optDir, "backup-integrator-charm", `backup-integrator-${n}`)
const pythonPath = (u: CharmUnit, n: number, option: string) => join(pythonDir(u, n), "scripts", option)

/** A unit as the Python charm left it: its scripts, 0755, where it was (or had been) the leader. */
const pythonUnit = (n: number, leader: boolean, bag: Record<string, string>, leftScripts: boolean) => {
  const u = new CharmUnit(
    { leader, config, relations: { "backup:3": backupRelation(bag) } },
    `backup-integrator/${n}`,
  )
  units.push(u)
  if (leftScripts) {
    mkdirSync(join(pythonDir(u, n), "scripts"), { recursive: true })
    for (const option of ["run-before-backup", "run-after-restore"] as const) {
      writeFileSync(pythonPath(u, n, option), config[option])
      chmodSync(pythonPath(u, n, option), 0o755)
    }
  }
  return u
}

describe("upgrade from the Python charm", () => {
  it("new paths in one relation-set; the old scripts stay, root-only, until Bacula starts a job through the new ones", () => {
    const leader = pythonUnit(0, true, {}, true)
    const pythonBag = {
      fileset,
      "run-before-backup": pythonPath(leader, 0, "run-before-backup"),
      "run-after-restore": pythonPath(leader, 0, "run-after-restore"),
    }
    leader.update((s) => {
      s.relations = { "backup:3": backupRelation(pythonBag) }
    })
    // A follower that led once, with a bag only the leader may read.
    const follower = pythonUnit(1, false, pythonBag, true)

    const upgraded = leader.hook("upgrade-charm")
    expectOk(upgraded)
    assert.deepStrictEqual(upgraded.state.status, { status: "active", message: "no backup yet" })
    // Every option's runner, set or not: the last change of paths this application sees.
    const newBag = {
      fileset,
      ...Object.fromEntries(scriptOptions.map((option) => [option, leader.runnerPath(option)])),
    }
    assert.deepStrictEqual(appBag(upgraded.state, "backup:3"), newBag)
    assert.strictEqual(upgraded.state.calls.filter(([tool]) => tool === "relation-set").length, 1)

    const followed = follower.hook("upgrade-charm")
    expectOk(followed)
    assert.deepStrictEqual(followed.state.status, { status: "active", message: "no backup yet" })

    for (const [u, n] of [
      [leader, 0],
      [follower, 1],
    ] as const) {
      const result = u.hook("config-changed")
      expectOk(result)
      assert.deepStrictEqual(result.state.status, { status: "active", message: "no backup yet" })
      assert.notInclude(
        result.state.calls.map(([tool]) => tool),
        "relation-set",
      )
      for (const option of ["run-before-backup", "run-after-restore"] as const) {
        assert.strictEqual(readFileSync(u.operatorScript(option), "utf8"), config[option])
        assert.strictEqual(statSync(u.runnerPath(option)).mode & 0o7777, 0o700)
      }
      // A Director not yet reloaded may still run the old path: it is there, but root-only now.
      assert.isTrue(existsSync(pythonPath(u, n, "run-before-backup")))
      assert.strictEqual(statSync(pythonDir(u, n)).mode & 0o777, 0o700)
      // Bacula starts a job through the new path: the Director has reloaded; the old ones go.
      const job = spawnSync(u.runnerPath("run-before-restore"), [], { encoding: "utf8" })
      expectOk(job, "the runner")
      assert.deepStrictEqual(readdirSync(join(u.optDir, "backup-integrator-charm")), ["backup-integrator"])
    }
    assert.deepStrictEqual(appBag(leader.state, "backup:3"), newBag)
  })
})

describe("upgrade from the charm of the runner's first days", () => {
  it("the unset options' runners join the set ones in one relation-set; a pending record is no longer waited on", () => {
    const u = pythonUnit(0, true, {}, false)
    const before = u.hook("config-changed")
    expectOk(before)
    // As that charm left the machine: runners for the set options only, a record kept unsettled.
    const app = join(u.optDir, "backup-integrator-charm", "backup-integrator")
    for (const option of ["run-after-backup", "run-before-restore"]) {
      rmSync(u.runnerPath(option))
      rmSync(join(app, "runs", option), { recursive: true, force: true })
    }
    const { "run-after-backup": _, "run-before-restore": __, ...oldBag } = appBag(u.state, "backup:3") ?? {}
    u.update((s) => {
      s.relations = { "backup:3": backupRelation(oldBag) }
    })
    const record = join(app, "units", "0")
    writeFileSync(record, JSON.stringify({ ...JSON.parse(readFileSync(record, "utf8")), settled: false }))

    const upgraded = u.hook("upgrade-charm")
    expectOk(upgraded)
    assert.deepStrictEqual(upgraded.state.status, { status: "active", message: "no backup yet" })
    assert.strictEqual(upgraded.state.calls.filter(([tool]) => tool === "relation-set").length, 1)
    assert.deepStrictEqual(appBag(upgraded.state, "backup:3"), {
      fileset,
      ...Object.fromEntries(scriptOptions.map((option) => [option, u.runnerPath(option)])),
    })
    assert.deepStrictEqual(u.hook("update-status").state.calls, [])
    assert.notInclude(
      u.hook("config-changed").state.calls.map(([tool]) => tool),
      "relation-set",
    )
  })
})
