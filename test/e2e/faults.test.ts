// Faults injected end to end: hook tools that fail, lie or hang; a disk that is read-only,
// full or booby-trapped (the same faults on the in-memory FileSystem: test/unit/script-store.test.ts). Each time: exit 1 with one line naming the culprit, no temporary
// file, scripts whole, and the next good hook converges.
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { join } from "node:path"
import { afterEach, assert, describe, it } from "vitest"
import { scriptOptions } from "../../src/domain/options.ts"
import type { Fault } from "../emulator/state.ts"
import { appBag } from "../emulator/state.ts"
import { backupRelation, CharmUnit, expectOk } from "../support/charm-unit.ts"

const good = {
  fileset: "/srv/a,/srv/b",
  "run-before-backup": "#!/bin/sh\necho good\n",
  "run-after-restore": "#!/bin/sh\necho restore\n",
}
const next = {
  fileset: "/srv/c",
  "run-before-backup": "#!/bin/sh\necho next\n",
  "run-after-restore": "#!/bin/sh\necho restore\n",
}
const isRoot = process.getuid?.() === 0

const units: Array<CharmUnit> = []
afterEach(() => {
  for (const made of units.splice(0)) made.remove()
})

/** A leader that has published `good`, then sees its configuration change to `next`. */
const publishedThenChanged = () => {
  const u = new CharmUnit({ config: good, relations: { "backup:3": backupRelation() } })
  units.push(u)
  expectOk(u.hook("config-changed"))
  u.update((s) => {
    s.config = next
  })
  return u
}

const unitRecord = (u: CharmUnit) => join(u.optDir, "backup-integrator-charm/backup-integrator/units/0")
const scriptsDir = (u: CharmUnit) => join(u.runnerPath("x"), "..")
const bagOf = (u: CharmUnit) => appBag(u.state, "backup:3")

/** Exit 1, one stderr line matching `line`; scripts whole (good or next) and nothing else. */
const assertFailedCleanly = (u: CharmUnit, result: { code: number | null; stderr: string }, line: RegExp) => {
  assert.strictEqual(result.code, 1, result.stderr)
  const lines = result.stderr.trimEnd().split("\n")
  assert.strictEqual(lines.length, 1, result.stderr)
  assert.match(lines[0] as string, line)
  assert.deepStrictEqual(readdirSync(scriptsDir(u)).sort(), [...scriptOptions].sort())
  assert.include(
    [good["run-before-backup"], next["run-before-backup"]],
    readFileSync(u.operatorScript("run-before-backup"), "utf8"),
  )
}

const assertConverges = (u: CharmUnit) => {
  u.update((s) => {
    s.faults = {}
  })
  const result = u.hook("config-changed")
  expectOk(result)
  assert.deepStrictEqual(result.state.status, { status: "active", message: "no backup yet" })
  assert.deepStrictEqual(bagOf(u), {
    fileset: "/srv/c",
    ...Object.fromEntries(scriptOptions.map((option) => [option, u.runnerPath(option)])),
  })
  assert.strictEqual(readFileSync(u.operatorScript("run-before-backup"), "utf8"), next["run-before-backup"])
}

describe("hook tools", () => {
  const wrongShape: Record<string, string> = {
    "config-get": '["fileset"]',
    "relation-ids": '{"backup": 3}',
    "is-leader": '"yes"',
    "relation-get": '{"fileset": ["/srv"]}',
    "relation-set": "{}",
    "status-set": '"ok"',
    "juju-log": "null",
  }
  const faults: ReadonlyArray<[string, (tool: string) => Fault, RegExp | ((tool: string) => RegExp)]> = [
    [
      "exits non-zero",
      () => ({ exit: 1, stderr: "ERROR connection refused\n" }),
      /exited with status 1: ERROR connection refused$/,
    ],
    [
      // Shown escaped, never raw: it ends up in a hook-tool argument and in Juju's log.
      "exits non-zero, saying something hostile",
      () => ({ exit: 1, stderr: "ERROR \u0000\u001b[2J\u202egone\n" }),
      /exited with status 1: "ERROR \\u0000\\u001b\[2J\\u202egone"$/,
    ],
    [
      "prints garbage",
      () => ({ stdout: "\u0000\u00ff{{not json" }),
      /printed (output that is not JSON|output where none was expected)$/,
    ],
    [
      "prints JSON of the wrong shape",
      (tool) => ({ stdout: wrongShape[tool] as string }),
      /printed (JSON that is not .*|output where none was expected)$/,
    ],
    ["never answers", () => ({ hang: true }), /no answer after 10s$/],
  ]
  // What each tool's output becomes is tabled in test/unit/hook-tools.test.ts. End to end:
  // every fault for config-get (the first call) and relation-set (a spawned tool given
  // stdin), and a failing exit for each other tool, through real processes.
  const endToEnd = (tool: string) =>
    tool === "config-get" || tool === "relation-set" ? faults : faults.slice(0, 1)
  for (const tool of Object.keys(wrongShape)) {
    for (const [what, fault, reason] of endToEnd(tool)) {
      it(`${tool} ${what}`, () => {
        const u = publishedThenChanged()
        u.update((s) => {
          s.faults = { [tool]: fault(tool) }
        })
        // The status is set only when it is not what the unit's record says was shown.
        if (tool === "status-set") writeFileSync(unitRecord(u), "")
        // The limit applies to every call of the hook: short, to keep the hanging case short,
        // and long enough for a call of the emulator (a Node process) on a busy machine.
        const result = u.hook("config-changed", undefined, { BACKUP_INTEGRATOR_HOOK_TOOL_TIMEOUT: "10" })
        const expected = typeof reason === "function" ? reason(tool) : reason
        assertFailedCleanly(u, result, new RegExp(`^backup-integrator: ${tool}: ${expected.source}`))
        // The failing tool is the last call, but for the ERROR line that reports it.
        const tools = result.state.calls.map(([name]) => name)
        if (tool === "juju-log" || tools.at(-1) !== "juju-log") assert.strictEqual(tools.at(-1), tool)
        else assert.strictEqual(tools.at(-2), tool)
        if (tool !== "juju-log") assert.strictEqual(result.state.logs.at(-1)?.level, "ERROR")
        assertConverges(u)
      })
    }
  }
})

describe("file system", () => {
  it("a directory where a script should be", () => {
    const u = publishedThenChanged()
    rmSync(u.runnerPath("run-before-backup"))
    mkdirSync(u.runnerPath("run-before-backup"))
    const result = u.hook("config-changed")
    assert.strictEqual(result.code, 1)
    assert.strictEqual(
      result.stderr,
      `backup-integrator: cannot write ${u.runnerPath("run-before-backup")}: a directory is in the way\n`,
    )
    assert.deepStrictEqual(bagOf(u)?.fileset, "/srv/a,/srv/b")
    rmSync(u.runnerPath("run-before-backup"), { recursive: true })
    assertConverges(u)
  })

  it("a link planted at a script path is replaced, never written through", () => {
    const u = publishedThenChanged()
    const victim = join(u.dir, "victim")
    writeFileSync(victim, "precious", { mode: 0o600 })
    rmSync(u.runnerPath("run-before-backup"))
    symlinkSync(victim, u.runnerPath("run-before-backup"))
    assertConverges(u)
    assert.strictEqual(readFileSync(victim, "utf8"), "precious")
    assert.strictEqual(statSync(victim).mode & 0o7777, 0o600)
    assert.isTrue(lstatSync(u.runnerPath("run-before-backup")).isFile())
  })

  it("a link planted at the scripts directory is refused, and nothing is published", () => {
    const u = publishedThenChanged()
    const elsewhere = join(u.dir, "elsewhere")
    mkdirSync(elsewhere, { mode: 0o700 })
    rmSync(scriptsDir(u), { recursive: true })
    symlinkSync(elsewhere, scriptsDir(u))
    const result = u.hook("config-changed")
    assert.strictEqual(result.code, 1)
    assert.strictEqual(
      result.stderr,
      `backup-integrator: cannot use ${scriptsDir(u)}: a symbolic link: refusing to follow it\n`,
    )
    assert.deepStrictEqual(readdirSync(elsewhere), [])
    assert.strictEqual(statSync(elsewhere).mode & 0o7777, 0o700)
    assert.strictEqual(bagOf(u)?.fileset, "/srv/a,/srv/b")
    rmSync(scriptsDir(u))
    assertConverges(u)
  })

  it("a scripts directory others can write to, or owned by another user, is repaired", () => {
    const u = publishedThenChanged()
    chmodSync(scriptsDir(u), 0o777)
    chmodSync(join(scriptsDir(u), ".."), 0o775)
    if (isRoot) chownSync(scriptsDir(u), 65534, 65534)
    assertConverges(u)
    for (const dir of [scriptsDir(u), join(scriptsDir(u), "..")]) {
      assert.strictEqual(statSync(dir).mode & 0o7777, 0o755)
      assert.strictEqual(statSync(dir).uid, process.getuid?.())
    }
  })

  it.skipIf(!isRoot)("a script file owned by someone else is replaced by one of ours", () => {
    const u = publishedThenChanged()
    u.update((s) => {
      s.config = good
    })
    chownSync(u.runnerPath("run-before-backup"), 65534, 65534)
    expectOk(u.hook("config-changed"))
    assert.strictEqual(statSync(u.runnerPath("run-before-backup")).uid, 0)
  })

  it.skipIf(!isRoot)(
    "/opt read-only: unchanged scripts still serve; a change fails with the file named",
    () => {
      const u = new CharmUnit({ config: good, relations: { "backup:3": backupRelation() } })
      units.push(u)
      expectOk(u.hook("config-changed"))
      const readOnly = 'mount --bind "$OPT" "$OPT" && mount -o remount,bind,ro "$OPT"'
      const steady = u.hookInNamespace("config-changed", readOnly)
      expectOk(steady)

      u.update((s) => {
        s.config = next
      })
      const changed = u.hookInNamespace("config-changed", readOnly)
      assert.strictEqual(changed.code, 1)
      assert.match(
        changed.stderr,
        new RegExp(
          `^backup-integrator: cannot write ${u.operatorScript("run-before-backup")}: EROFS: read-only file system\\n$`,
        ),
      )
      assert.isFalse(changed.files.some((line) => line.includes("/.tmp-")))
      assert.strictEqual(
        readFileSync(u.operatorScript("run-before-backup"), "utf8"),
        good["run-before-backup"],
      )
      assert.strictEqual(bagOf(u)?.fileset, "/srv/a,/srv/b")
    },
  )

  it.skipIf(!isRoot)("disk full: exit 1 naming the file, no temporary file left", () => {
    const u = new CharmUnit({
      config: { fileset: "/srv", "run-before-backup": `#!/bin/sh\n# ${"x".repeat(1 << 20)}\n` },
      relations: { "backup:3": backupRelation() },
    })
    units.push(u)
    const result = u.hookInNamespace(
      "config-changed",
      'mkdir -p "$OPT" && mount -t tmpfs -o size=256k,mode=755 tmpfs "$OPT"',
    )
    assert.strictEqual(result.code, 1, result.stderr)
    assert.match(
      result.stderr,
      /^backup-integrator: cannot write .*\/run-before-backup: ENOSPC: no space left on device/,
    )
    assert.strictEqual(result.stderr.trimEnd().split("\n").length, 1)
    assert.deepStrictEqual(result.files, [
      "600 f backup-integrator-charm/backup-integrator/runner.json",
      "600 f backup-integrator-charm/backup-integrator/units/0",
      "700 d backup-integrator-charm/backup-integrator/credentials",
      "700 d backup-integrator-charm/backup-integrator/operator-scripts",
      "755 d backup-integrator-charm",
      "755 d backup-integrator-charm/backup-integrator",
      "755 d backup-integrator-charm/backup-integrator/scripts",
      "755 d backup-integrator-charm/backup-integrator/units",
    ])
    assert.deepStrictEqual(bagOf(u), {})
  })
})
