// `juju refresh` from the Python charm of the same name: each unit laid out as the Python
// charm leaves it, then upgrade-charm and config-changed, as Juju runs them.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
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
  it("new paths in one relation-set, old directories gone on every unit, nothing blocked", () => {
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
    assert.deepStrictEqual(upgraded.state.status, { status: "active", message: "" })
    const newBag = {
      fileset,
      "run-before-backup": leader.scriptPath("run-before-backup"),
      "run-after-restore": leader.scriptPath("run-after-restore"),
    }
    assert.deepStrictEqual(appBag(upgraded.state, "backup:3"), newBag)
    assert.strictEqual(upgraded.state.calls.filter(([tool]) => tool === "relation-set").length, 1)
    // The bag committed before this hook still named the old paths: kept for this hook.
    assert.isTrue(existsSync(pythonPath(leader, 0, "run-before-backup")))

    const followed = follower.hook("upgrade-charm")
    expectOk(followed)
    assert.deepStrictEqual(followed.state.status, { status: "active", message: "" })
    assert.isFalse(existsSync(pythonDir(follower, 1)))

    for (const u of [leader, follower]) {
      const result = u.hook("config-changed")
      expectOk(result)
      assert.deepStrictEqual(result.state.status, { status: "active", message: "" })
      assert.deepStrictEqual(readdirSync(join(u.optDir, "backup-integrator-charm")), ["backup-integrator"])
      for (const option of ["run-before-backup", "run-after-restore"] as const) {
        assert.strictEqual(readFileSync(u.operatorScript(option), "utf8"), config[option])
        assert.strictEqual(statSync(u.scriptPath(option)).mode & 0o7777, 0o700)
      }
    }
    assert.deepStrictEqual(appBag(leader.state, "backup:3"), newBag)
    assert.deepStrictEqual(
      scriptOptions.filter((option) => existsSync(leader.scriptPath(option))),
      ["run-before-backup", "run-after-restore"],
    )
  })
})
