// The hook entry's update-status check (src/entry/quiet-update-status.ts) against the record
// the program wrote through Effect's NodeFileSystem, on a real disk: it must agree with the
// program on every file, or every update-status would reconcile (or, worse, skip a repair).
import { spawnSync } from "node:child_process"
import { appendFileSync, chmodSync, readFileSync, writeFileSync } from "node:fs"
import { afterAll, assert, describe, it } from "vitest"
import { nothingToDo } from "../../src/entry/quiet-update-status.ts"
import { backupRelation, CharmUnit, expectOk } from "../support/charm-unit.ts"

const u = new CharmUnit({
  config: { fileset: "/srv", "run-before-backup": "#!/bin/sh\necho ok\n", "run-after-backup": "exit 1\n" },
  relations: { "backup:3": backupRelation() },
})
afterAll(() => u.remove())
const quiet = () => nothingToDo(u.env("update-status"))

describe("update-status before the program is loaded", () => {
  it("nothing to do after a reconcile; anything changed, and the program runs", () => {
    assert.isFalse(quiet(), "no record yet")
    expectOk(u.hook("config-changed"))
    assert.isTrue(quiet())
    assert.isFalse(nothingToDo(u.env("config-changed")))

    appendFileSync(u.operatorScript("run-before-backup"), "# edited\n")
    assert.isFalse(quiet())
    expectOk(u.hook("update-status"))
    assert.isTrue(quiet())

    chmodSync(u.runnerPath("run-after-backup"), 0o755)
    assert.isFalse(quiet())
    expectOk(u.hook("update-status"))
    assert.isTrue(quiet())

    const runner = u.runnerPath("run-after-backup")
    assert.strictEqual(spawnSync(runner, [], { stdio: "ignore" }).status, 1)
    assert.isFalse(quiet(), "a new run record")
    assert.strictEqual(u.hook("update-status").state.status.status, "blocked")
    assert.isTrue(quiet())
  })

  it("a job's run changes the journal; the moment backup-max-age passes wakes it too", () => {
    u.update((s) => {
      s.config = { ...s.config, "backup-max-age": "26h" }
    })
    expectOk(u.hook("config-changed"))
    assert.isTrue(quiet())
    spawnSync(u.runnerPath("run-before-restore"), [], { stdio: "ignore" })
    assert.isFalse(quiet(), "a new job in the journal")
    expectOk(u.hook("update-status"))
    assert.isTrue(quiet())
    const record = `${u.optDir}/backup-integrator-charm/backup-integrator/units/0`
    const kept = JSON.parse(readFileSync(record, "utf8"))
    assert.isString(kept.deadline)
    writeFileSync(record, JSON.stringify({ ...kept, deadline: new Date(Date.now() - 1).toISOString() }))
    assert.isFalse(quiet(), "the deadline passed")
    writeFileSync(record, JSON.stringify({ ...kept, deadline: new Date(Date.now() + 60_000).toISOString() }))
    assert.isTrue(quiet())
    writeFileSync(record, JSON.stringify(kept))
  })

  it("a record it cannot read is never taken for nothing to do", () => {
    const record = `${u.optDir}/backup-integrator-charm/backup-integrator/units/0`
    const kept = readFileSync(record, "utf8")
    for (const bad of [
      "",
      "{",
      '{"waitingForSecret":null}',
      JSON.stringify({ ...JSON.parse(kept), waitingForSecret: "secret:cq1k2l3m4n5o6p7q8r9s" }),
    ]) {
      writeFileSync(record, bad)
      assert.isFalse(quiet(), bad)
    }
    writeFileSync(record, kept)
    assert.isTrue(quiet())
  })
})
