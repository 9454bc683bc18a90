// update-status ended by `dispatch` itself, from the memo the program left
// (src/domain/update-status-memo.ts), on a real disk with the packed charm: no process at all
// while nothing changed; the program started by anything that may change the status, and by
// any memo it cannot trust.
import { spawnSync } from "node:child_process"
import {
  appendFileSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs"
import { dirname, join } from "node:path"
import { afterAll, assert, describe, it } from "vitest"
import { backupRelation, CharmUnit, expectOk } from "../support/charm-unit.ts"

const u = new CharmUnit({
  config: { fileset: "/srv", "run-before-backup": "#!/bin/sh\necho ok\n", "run-after-backup": "exit 1\n" },
  relations: { "backup:3": backupRelation() },
})
afterAll(() => u.remove())
const app = `${u.optDir}/backup-integrator-charm/backup-integrator`
const memo = `${app}/units/0.update-status`

/**
 * update-status through `dispatch` under strace: the processes it made besides its own
 * (`execve` of dispatch itself is the first line), and whether one of them was Node.
 */
const updateStatus = () => {
  const trace = join(u.dir, "trace")
  const result = spawnSync(
    "strace",
    ["-f", "-qq", "-e", "trace=execve,clone,clone3,fork,vfork", "-o", trace, join(u.charm, "dispatch")],
    { cwd: u.charm, env: u.env("update-status"), encoding: "utf8" },
  )
  expectOk(result, "update-status")
  const lines = readFileSync(trace, "utf8").trim().split("\n")
  return { processes: lines.length - 1, node: lines.some((line) => line.includes("bin/node")) }
}
const quiet = () => updateStatus().processes === 0
/** Whether this update-status starts the program; after it, the memo is the program's again. */
const starts = () => updateStatus().node

describe("update-status in dispatch", () => {
  it("with nothing changed since a reconcile: no process at all", () => {
    assert.isTrue(starts(), "no memo yet")
    expectOk(u.hook("config-changed"))
    assert.isTrue(quiet())
    assert.isTrue(quiet())
  })

  it("a file installed written, or replaced by a rename keeping its old time: the program repairs it", () => {
    appendFileSync(u.operatorScript("run-before-backup"), "# edited\n")
    assert.isTrue(starts())
    assert.isTrue(quiet())
    const runner = u.runnerPath("run-after-backup")
    copyFileSync(runner, `${runner}.new`)
    utimesSync(`${runner}.new`, new Date(0), new Date(0))
    renameSync(`${runner}.new`, runner)
    assert.isTrue(starts())
    assert.isTrue(quiet())
  })

  it("a new run record, a job's journal: the program shows them", () => {
    assert.strictEqual(spawnSync(u.runnerPath("run-after-backup"), [], { stdio: "ignore" }).status, 1)
    assert.isTrue(starts())
    assert.strictEqual(u.state.status.status, "blocked")
    assert.isTrue(quiet())
    spawnSync(u.runnerPath("run-before-restore"), [], { stdio: "ignore" })
    assert.isTrue(starts())
    assert.isTrue(quiet())
  })

  it("the moment the status may change by itself: the program runs from then on", () => {
    u.update((s) => {
      s.config = { ...s.config, "backup-max-age": "26h" }
    })
    expectOk(u.hook("config-changed"))
    const kept = readFileSync(memo, "utf8")
    const until = Number(/^until (\d+)$/m.exec(kept)?.[1])
    // The earliest ahead: backup-max-age's, or the restore job started above falling due.
    assert.isAbove(until * 1000, Date.now())
    assert.isTrue(quiet())
    writeFileSync(memo, kept.replace(/^until \d+$/m, `until ${Math.floor(Date.now() / 1000)}`))
    utimesSync(memo, new Date(), new Date())
    assert.isTrue(starts(), "the instant passed")
    assert.isTrue(quiet())
  })

  it("a memo it cannot trust or read starts the program, which writes its own", () => {
    const kept = readFileSync(memo, "utf8")
    const pwned = join(u.dir, "pwned")
    const forged: Array<[string, () => void]> = [
      ["none", () => rmSync(memo)],
      ["another user's", () => chownSync(memo, 65534, 65534)],
      [
        "a link to a good one",
        () => {
          writeFileSync(join(u.dir, "memo"), kept)
          rmSync(memo)
          symlinkSync(join(u.dir, "memo"), memo)
        },
      ],
      ["empty", () => writeFileSync(memo, "")],
      ["cut short", () => writeFileSync(memo, kept.replace("end\n", ""))],
      ["an unknown line", () => writeFileSync(memo, kept.replace("end\n", "socket /run/x\nend\n"))],
      ["an unknown version", () => writeFileSync(memo, kept.replace("memo 1", "memo 2"))],
      ["a leading zero", () => writeFileSync(memo, kept.replace(/^until (\d+)$/m, "until 0$1"))],
      [
        "arithmetic that runs a command",
        () => writeFileSync(memo, kept.replace(/^until \d+$/m, `until a[$(touch ${pwned})]`)),
      ],
    ]
    for (const [what, forge] of forged) {
      forge()
      assert.isTrue(starts(), what)
      assert.isTrue(quiet(), `${what}: the program's memo after it`)
    }
    assert.isFalse(existsSync(pwned))
    // A directory another user owns: they could put an old memo of root's back in it.
    chownSync(dirname(memo), 65534, 65534)
    assert.isTrue(starts(), "units/ another user's")
    chownSync(dirname(memo), 0, 0)
    assert.isTrue(quiet(), "units/ root's again")
  })

  it("a path that should be missing, planted by another user: the program runs", () => {
    const runs = `${app}/runs/run-before-backup`
    rmSync(runs, { recursive: true, force: true })
    expectOk(u.hook("config-changed"))
    assert.include(readFileSync(memo, "utf8"), `absent-or-directory ${runs}\n`)
    assert.isTrue(quiet())
    mkdirSync(runs)
    chownSync(runs, 65534, 65534)
    utimesSync(runs, new Date(0), new Date(0))
    assert.isTrue(starts())
  })

  it("while the credentials secret is refused: no memo, update-status asks again", () => {
    u.update((s) => {
      s.config = { ...s.config, credentials: "secret:cq1k2l3m4n5o6p7q8r9s" }
    })
    u.hook("config-changed")
    assert.isFalse(existsSync(memo))
    assert.isTrue(starts())
    assert.isTrue(starts())
  })
})
