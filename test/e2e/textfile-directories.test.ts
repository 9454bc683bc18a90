// Root's metrics files in a textfile directory whose parent another local user owns, as
// Debian's /var/lib/prometheus (the `prometheus` user's) holds node-exporter/: that user, here
// `nobody` under setpriv, races the packed charm's hooks and the runner Bacula starts.
// docs/security.md lists what each test shows.
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, assert, describe, it } from "vitest"
import { backupRelation, CharmUnit, expectOk, type HookResult } from "../support/charm-unit.ts"

const isRoot = process.getuid?.() === 0
/** The other local user: nobody, standing for `prometheus`. */
const other = 65534
const prom = "backup-integrator-backup-integrator.prom"

const units: Array<CharmUnit> = []
const made: Array<string> = []
const swappers: Array<ChildProcess> = []
afterEach(() => {
  for (const swapper of swappers.splice(0)) swapper.kill("SIGKILL")
  for (const u of units.splice(0)) u.remove()
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/**
 * A machine's textfile directory as Debian lays it out: `<base>/prometheus` the other user's,
 * `node-exporter/` in it root's; and a root-only directory of files, the victim.
 */
const layout = () => {
  const base = mkdtempSync(join(tmpdir(), "textfiles-"))
  made.push(base)
  chmodSync(base, 0o755)
  const parent = join(base, "prometheus")
  mkdirSync(parent)
  chownSync(parent, other, other)
  const textfiles = join(parent, "node-exporter")
  mkdirSync(textfiles)
  const victim = join(base, "victim")
  mkdirSync(victim, { mode: 0o700 })
  for (let i = 0; i < 100; i++) writeFileSync(join(victim, `f${i}`), "root's\n")
  return { base, parent, textfiles, victim }
}

/** A configured leader writing its metrics in `textfiles`. */
const configured = (textfiles: string) => {
  const u = new CharmUnit({
    config: { fileset: "/srv", "run-before-backup": "#!/bin/sh\n", "metrics-directory": textfiles },
    relations: { "backup:3": backupRelation() },
  })
  units.push(u)
  expectOk(u.hook("config-changed"))
  return u
}

/** Runs `code` as the other user until killed; resolves once it has said `ready`. */
const asOther = (code: string, ...args: ReadonlyArray<string>) =>
  new Promise<ChildProcess>((ready, fail) => {
    const child = spawn(
      "setpriv",
      ["--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/python3", "-c", code, ...args],
      { stdio: ["ignore", "pipe", "inherit"] },
    )
    swappers.push(child)
    child.on("error", fail)
    child.on("exit", (code) => fail(new Error(`the other user's process exited ${code} before it was ready`)))
    child.stdout.once("data", () => ready(child))
  })

/**
 * Moves root's node-exporter/ aside and puts a tree of its own at the metrics file's path;
 * once root has begun deleting in one of its directories, swaps that directory for a link to
 * the victim (kept outside the tree) in one step (renameat2's RENAME_EXCHANGE).
 */
const treeSwapper = `
import ctypes, os, sys, time
textfiles, name, victim = sys.argv[1:]
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
os.rename(textfiles, textfiles + ".root")
os.mkdir(textfiles)
os.mkdir(os.path.join(textfiles, name))
pending = []
for i in range(8):
    d, link = os.path.join(textfiles, name, f"d{i}"), os.path.join(textfiles, f"link{i}")
    os.mkdir(d)
    for j in range(100):
        open(os.path.join(d, f"f{j}"), "w").close()
    os.symlink(victim, link)
    pending.append((d, link))
print("ready", flush=True)
while pending:
    for d, link in list(pending):
        try:
            whole = len(os.listdir(d)) == 100
        except OSError:
            whole = False
        if not whole:
            libc.renameat2(AT_FDCWD, d.encode(), AT_FDCWD, link.encode(), RENAME_EXCHANGE)
            pending.remove((d, link))
time.sleep(3600)
`

/** Flips the textfile directory between the real one and a link to the victim. */
const directorySwapper = `
import os, sys
textfiles, victim = sys.argv[1:]
print("ready", flush=True)
while True:
    try:
        os.rename(textfiles, textfiles + ".real")
        os.symlink(victim, textfiles)
        os.unlink(textfiles)
        os.rename(textfiles + ".real", textfiles)
    except OSError:
        pass
`

const stop = (child: ChildProcess) =>
  new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done()
    child.once("exit", () => done())
    child.kill("SIGKILL")
  })

/** What the hook said of the metrics files: its stderr and its juju-log lines. */
const said = (result: HookResult) =>
  `${result.stderr}\n${result.state.calls
    .filter(([tool]) => tool === "juju-log")
    .map((call) => call.join(" "))
    .join("\n")}`

describe.skipIf(!isRoot)("a textfile directory whose parent another user owns", () => {
  it("remove, while that user swaps the directories of a tree at the file's path for links to a root-only directory: nothing of it is deleted, nothing followed, and it is said", async () => {
    for (let attempt = 0; attempt < 4; attempt++) {
      const { textfiles, victim } = layout()
      const u = configured(textfiles)
      assert.isTrue(existsSync(join(textfiles, prom)))
      const swapper = await asOther(treeSwapper, textfiles, prom, victim)
      // As Juju: a failed hook is run again.
      let removed = u.hook("remove")
      for (let retry = 0; retry < 3 && removed.code !== 0; retry++) removed = u.hook("remove")
      await stop(swapper)
      assert.lengthOf(readdirSync(victim), 100, `attempt ${attempt}: the victim lost files`)
      expectOk(removed)
      assert.isTrue(lstatSync(join(textfiles, prom)).isDirectory(), "the planted tree is left alone")
      assert.match(said(removed), /is a directory|not a regular file/i)
    }
  })

  it("the runner Bacula starts, while that user flips the directory to a link to a root-only directory: no file is ever created there", async () => {
    const { textfiles, victim } = layout()
    const u = configured(textfiles)
    const swapper = await asOther(directorySwapper, textfiles, victim)
    for (let run = 0; run < 30; run++) {
      const result = spawnSync(u.runnerPath("run-before-backup"), [], {
        encoding: "utf8",
        env: { PATH: "/usr/bin:/bin" },
      })
      assert.strictEqual(result.status, 0, result.stderr)
      assert.lengthOf(readdirSync(victim), 100, `run ${run}: ${readdirSync(victim).join(" ")}`)
    }
    await stop(swapper)
  })
})

describe("files left behind", () => {
  it("a new metrics-directory: the file in the old one is deleted; remove deletes the new one's", () => {
    const { base, textfiles } = layout()
    const second = join(base, "second")
    mkdirSync(second)
    const u = configured(textfiles)
    assert.isTrue(existsSync(join(textfiles, prom)))
    u.update((s) => {
      s.config["metrics-directory"] = second
    })
    expectOk(u.hook("config-changed"))
    assert.isTrue(existsSync(join(second, prom)))
    assert.isFalse(existsSync(join(textfiles, prom)), "the old directory's file")
    expectOk(u.hook("remove"))
    assert.deepStrictEqual(readdirSync(second), [])
    assert.deepStrictEqual(readdirSync(textfiles), [])
  })

  it("the old directory replaced by a link to itself, or by a file: remove passes the first time, and says so", () => {
    for (const planted of ["loop", "file"] as const) {
      const { textfiles } = layout()
      const u = configured(textfiles)
      renameSync(textfiles, `${textfiles}.gone`)
      if (planted === "loop") symlinkSync(textfiles, textfiles)
      else writeFileSync(textfiles, "")
      const removed = u.hook("remove")
      expectOk(removed)
      assert.include(said(removed), textfiles)
      assert.isTrue(existsSync(join(`${textfiles}.gone`, prom)), "nothing followed to it")
    }
  })
})
