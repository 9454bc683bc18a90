import { spawnSync } from "node:child_process"
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, assert, describe, it } from "vitest"
import { scriptOptions } from "../../src/domain/options.ts"
import { appBag } from "../emulator/state.ts"
import { backupRelation, CharmUnit, charmDir, expectOk } from "../support/charm-unit.ts"

const dump = "#!/bin/sh\nPGPASSWORD=s3cret pg_dump mydb > /var/backups/postgresql/dump.sql\n"
const load = "#!/bin/sh\npsql mydb < /var/backups/postgresql/dump.sql\n"
const config = {
  fileset: "/var/backups/postgresql, /etc/myapp",
  "run-before-backup": dump,
  "run-after-restore": load,
}

const units: Array<CharmUnit> = []
const unit = (...args: ConstructorParameters<typeof CharmUnit>) => {
  const made = new CharmUnit(...args)
  units.push(made)
  return made
}
const copies: Array<string> = []
afterEach(() => {
  for (const made of units.splice(0)) made.remove()
  for (const copy of copies.splice(0)) rmSync(copy, { recursive: true, force: true })
})

const mode = (path: string) => statSync(path).mode & 0o7777
/** The fileset and the four runners' paths, set or not: the paths never change. */
const published = (u: CharmUnit) => ({
  fileset: "/var/backups/postgresql,/etc/myapp",
  ...Object.fromEntries(scriptOptions.map((option) => [option, u.runnerPath(option)])),
})

describe("the packed charm", () => {
  it("has Juju's layout", () => {
    for (const file of [
      "dispatch",
      "metadata.yaml",
      "config.yaml",
      "manifest.yaml",
      "actions.yaml",
      "dist/hook.cjs",
      "dist/program.cjs",
      "bin/node",
    ]) {
      assert.isTrue(existsSync(join(charmDir, file)), file)
    }
    assert.strictEqual(mode(join(charmDir, "dispatch")) & 0o111, 0o111)
    assert.include(readFileSync(join(charmDir, "metadata.yaml"), "utf8"), "subordinate: true")
  })

  it("a steady-state hook loads none of Node's HTTP or crypto modules, nor node:module", () => {
    // Each was once on the hook's path and cost every hook time: Effect's barrel (HTTP), the
    // platform FileSystem's crypto (deferred by the build until first use, which never comes),
    // and node:module for the program's require (the entry passes its own). NodeFileSystem's
    // readDirectory loads fs/promises, and with it readline and os: ~1.3 ms, in docs/hook-cost.md.
    const u = unit({ config, relations: { "backup:3": backupRelation() } })
    u.hook("config-changed")
    const list = join(u.dir, "modules")
    const probe = `process.on("exit", () => process.getBuiltinModule("node:fs").writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join("\\n")))`
    const result = u.hook("config-changed", undefined, {
      NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(probe)}`,
    })
    expectOk(result)
    const loaded = readFileSync(list, "utf8").split("\n")
    assert.include(loaded, "NativeModule child_process")
    assert.include(loaded, "NativeModule fs")
    const unwanted = /^NativeModule (https?|_http_\w+|crypto|internal\/crypto\/\w+|module)$/
    assert.deepStrictEqual(
      loaded.filter((name) => unwanted.test(name)),
      [],
    )
  })

  it("the first hook writes the program's code cache; only a hook that ran further rewrites it", () => {
    // A copy of the charm of its own (the runtime linked), whose cache no other test writes.
    const charm = mkdtempSync(join(tmpdir(), "backup-integrator-charm-"))
    copies.push(charm)
    for (const entry of ["dispatch", "dist", "metadata.yaml"])
      cpSync(join(charmDir, entry), join(charm, entry), { recursive: true })
    mkdirSync(join(charm, "bin"))
    symlinkSync(join(charmDir, "bin", "node"), join(charm, "bin", "node"))
    cpSync(join(charmDir, "bin", "node.arch"), join(charm, "bin", "node.arch"))
    const cache = join(charm, "compile-cache", "program.v8")
    const written = () => ({
      depth: JSON.parse(readFileSync(cache, "utf8").split("\n")[0] ?? "").depth,
      at: statSync(cache, { bigint: true }).mtimeNs,
    })

    const u = unit({ config }, "backup-integrator/0", charm)
    assert.strictEqual(u.hook("install").state.status?.status, "waiting")
    const waiting = written()
    expectOk(u.hook("update-status"))
    assert.deepStrictEqual(written(), waiting)

    u.update((s) => {
      s.relations = { "backup:3": backupRelation() }
    })
    const publishing = u.hook("backup-relation-joined", "backup:3")
    assert.deepStrictEqual(publishing.state.status, { status: "active", message: "no backup yet" })
    const published = written()
    assert.isAbove(Number(published.depth), Number(waiting.depth))
    expectOk(u.hook("config-changed"))
    assert.deepStrictEqual(written(), published)
  })
})

describe("config-changed", () => {
  it("leader: installs the scripts 0700 at the published paths, publishes, logs, active", () => {
    const u = unit({ config, relations: { "backup:3": backupRelation() } })
    const result = u.hook("config-changed")
    expectOk(result)
    assert.deepStrictEqual(result.state.status, { status: "active", message: "no backup yet" })
    const bag = appBag(result.state, "backup:3")
    assert.deepStrictEqual(bag, published(u))
    for (const [option, content] of [
      ["run-before-backup", dump],
      ["run-after-restore", load],
    ] as const) {
      // The published path is the runner, which runs the operator's script beside it.
      const path = bag?.[option] as string
      assert.strictEqual(readFileSync(path, "utf8").split("\n")[0], "#!/usr/bin/python3 -I")
      assert.strictEqual(readFileSync(u.operatorScript(option), "utf8"), content)
      for (const file of [path, u.operatorScript(option)]) {
        assert.strictEqual(mode(file), 0o700)
        assert.isTrue(lstatSync(file).isFile())
      }
    }
    let dir = u.runnerPath("x")
    for (let i = 0; i < 3; i++) {
      dir = join(dir, "..")
      assert.strictEqual(mode(dir), 0o755, dir)
    }
    assert.deepStrictEqual(readdirSync(join(u.runnerPath("x"), "..")).sort(), [...scriptOptions].sort())
    assert.deepStrictEqual(
      result.state.logs.map((l) => l.level),
      ["INFO"],
    )
    assert.notInclude(JSON.stringify(result.state.logs), "s3cret")
  })

  it("leader steady state: 4 hook-tool calls (no status-set: it is what was shown), nothing rewritten", () => {
    const u = unit({ config, relations: { "backup:3": backupRelation() } })
    u.hook("config-changed")
    const before = statSync(u.runnerPath("run-before-backup")).mtimeMs
    const result = u.hook("config-changed")
    expectOk(result)
    assert.deepStrictEqual(
      result.state.calls.map(([tool]) => tool),
      ["config-get", "relation-ids", "is-leader", "relation-get"],
    )
    assert.deepStrictEqual(result.state.status, { status: "active", message: "no backup yet" })
    assert.strictEqual(statSync(u.runnerPath("run-before-backup")).mtimeMs, before)
    assert.deepStrictEqual(result.state.logs, [])
  })

  it("follower: installs the same scripts, publishes nothing, active, 4 calls", () => {
    const u = unit(
      { leader: false, config, relations: { "backup:3": backupRelation() } },
      "backup-integrator/1",
    )
    const result = u.hook("config-changed")
    expectOk(result)
    assert.deepStrictEqual(result.state.status, { status: "active", message: "no backup yet" })
    assert.deepStrictEqual(appBag(result.state, "backup:3"), {})
    assert.strictEqual(readFileSync(u.operatorScript("run-after-restore"), "utf8"), load)
    assert.strictEqual(result.state.calls.length, 4)
  })

  it("blocked: the exact message, and the last good spec stays", () => {
    const u = unit({ config, relations: { "backup:3": backupRelation() } })
    u.hook("config-changed")
    u.update((s) => {
      s.config = { ...config, fileset: "/ok,/etc/x y\n", "run-before-backup": "#!/bin/sh\nchanged\n" }
    })
    const result = u.hook("config-changed")
    expectOk(result)
    assert.deepStrictEqual(result.state.status, {
      status: "blocked",
      message: "invalid fileset: \"/etc/x y\": character ' ' is not allowed",
    })
    assert.deepStrictEqual(appBag(result.state, "backup:3"), published(u))
    assert.strictEqual(readFileSync(u.operatorScript("run-before-backup"), "utf8"), dump)
  })

  it("waiting without a backup relation", () => {
    const u = unit({ config })
    const result = u.hook("install")
    expectOk(result)
    assert.deepStrictEqual(result.state.status, { status: "waiting", message: "waiting for backup relation" })
    assert.isTrue(existsSync(u.runnerPath("run-before-backup")))
  })

  it("an unset script goes at once; its runner stays at the published path and stands in for it", () => {
    const u = unit({ config, relations: { "backup:3": backupRelation() } })
    u.hook("config-changed")
    u.update((s) => {
      const { "run-before-backup": _, ...rest } = config
      s.config = rest
    })
    const result = u.hook("config-changed")
    assert.deepStrictEqual(appBag(result.state, "backup:3"), published(u))
    assert.notInclude(
      result.state.calls.map(([tool]) => tool),
      "relation-set",
    )
    assert.isFalse(existsSync(u.operatorScript("run-before-backup")))
    // A Director not yet reloaded runs it as before: it succeeds, as bacula-fd's no-op would.
    const ran = spawnSync(u.runnerPath("run-before-backup"), [], { encoding: "utf8" })
    expectOk(ran, "the runner")
    assert.strictEqual(ran.stdout + ran.stderr, "")
  })

  it("a hook that fails: Juju discards the bag, and every path it names still has its runner", () => {
    const u = unit({ config, relations: { "backup:3": backupRelation() } })
    u.hook("config-changed")
    u.update((s) => {
      s.config = { fileset: "/srv" }
      // The log line that follows the relation-set: the status, unchanged, is not set.
      s.faults = { "juju-log": { exit: 1, stderr: "ERROR connection lost\n" } }
    })
    const failed = u.hook("config-changed")
    assert.strictEqual(failed.code, 1)
    assert.deepStrictEqual(appBag(failed.state, "backup:3"), published(u))
    for (const option of scriptOptions) assert.isTrue(existsSync(u.runnerPath(option)), option)
    u.update((s) => {
      s.faults = {}
    })
    expectOk(u.hook("config-changed"))
    assert.deepStrictEqual(appBag(u.state, "backup:3"), { ...published(u), fileset: "/srv" })
  })
})

describe("relations", () => {
  it("every backup relation gets the spec; backup-relation-broken leaves the broken one out", () => {
    const u = unit({ config, relations: { "backup:3": backupRelation(), "backup:5": backupRelation() } })
    expectOk(u.hook("backup-relation-joined", "backup:5"))
    assert.deepStrictEqual(appBag(u.state, "backup:5"), published(u))
    assert.deepStrictEqual(appBag(u.state, "backup:3"), published(u))

    u.update((s) => {
      s.config = { fileset: "/srv" }
    })
    const broken = u.hook("backup-relation-broken", "backup:5")
    expectOk(broken)
    assert.deepStrictEqual(appBag(broken.state, "backup:3"), { ...published(u), fileset: "/srv" })
    assert.deepStrictEqual(appBag(broken.state, "backup:5"), published(u))
    assert.strictEqual(broken.state.status.status, "active")
  })

  it("a dying relation with no member left is not served; ids sorted as strings are all served", () => {
    const u = unit({
      config,
      relations: {
        "backup:10": backupRelation(),
        "backup:2": backupRelation(),
        "backup:7": { ...backupRelation(), dying: true, remoteUnits: [] },
      },
    })
    const result = u.hook("update-status")
    expectOk(result)
    assert.deepStrictEqual(appBag(result.state, "backup:10"), published(u))
    assert.deepStrictEqual(appBag(result.state, "backup:2"), published(u))
    assert.deepStrictEqual(appBag(result.state, "backup:7"), {})
    assert.match(result.state.logs[0]?.message ?? "", /published backup spec on backup:10, backup:2:/)

    u.update((s) => {
      s.relations = { "backup:7": { ...backupRelation(), dying: true, remoteUnits: [] } }
    })
    assert.deepStrictEqual(u.hook("backup-relation-departed", "backup:7").state.status, {
      status: "waiting",
      message: "waiting for backup relation",
    })
  })

  it("the last backup relation broken: waiting", () => {
    const u = unit({ config, relations: { "backup:3": backupRelation() } })
    const result = u.hook("backup-relation-broken", "backup:3")
    expectOk(result)
    assert.deepStrictEqual(result.state.status, { status: "waiting", message: "waiting for backup relation" })
  })
})

describe("other events", () => {
  it("remove deletes the application's directory and exits 0", () => {
    const u = unit({ config, relations: { "backup:3": backupRelation() } })
    u.hook("config-changed")
    const result = u.hook("remove")
    expectOk(result)
    assert.isFalse(existsSync(join(u.optDir, "backup-integrator-charm", "backup-integrator")))
    assert.deepStrictEqual(result.state.calls, [])
  })

  it("two units of the application on one machine: remove of one keeps the scripts of the other", () => {
    const first = unit({ config, relations: { "backup:3": backupRelation() } })
    const second = unit(
      { config, leader: false, relations: { "backup:3": backupRelation() } },
      "backup-integrator/4",
      charmDir,
      first.optDir,
    )
    expectOk(first.hook("config-changed"))
    expectOk(second.hook("config-changed"))
    expectOk(first.hook("remove"))
    assert.strictEqual(readFileSync(first.operatorScript("run-before-backup"), "utf8"), dump)
    expectOk(second.hook("remove"))
    assert.isFalse(existsSync(join(first.optDir, "backup-integrator-charm", "backup-integrator")))
  })

  it("meter-status-changed and collect-metrics: restricted, exit 0 at once, no hook-tool call", () => {
    const u = unit({ config, relations: { "backup:3": backupRelation() } })
    for (const event of ["meter-status-changed", "collect-metrics"]) {
      const result = u.hook(event, undefined, { JUJU_UNIT_NAME: "unit-backup-integrator-0" })
      expectOk(result)
      assert.strictEqual(result.stderr, "")
      assert.deepStrictEqual(result.state.calls, [])
      assert.deepStrictEqual(result.state.logs, [])
    }
  })

  it("any event name exits 0", () => {
    const u = unit({ config, relations: { "backup:3": backupRelation() } })
    for (const event of ["start", "update-status", "leader-elected", "secret-changed", "some-future-event"]) {
      expectOk(u.hook(event), event)
    }
  })
})

describe("faults", () => {
  it("a failing relation-set: exit 1, one line naming the tool, logged at ERROR, no temporary file", () => {
    const u = unit({
      config,
      relations: { "backup:3": backupRelation() },
      faults: { "relation-set": { exit: 1, stderr: "ERROR cannot write relation settings\n" } },
    })
    const result = u.hook("config-changed")
    assert.strictEqual(result.code, 1)
    const lines = result.stderr.trimEnd().split("\n")
    assert.strictEqual(lines.length, 1)
    assert.match(
      lines[0] as string,
      /relation-set: exited with status 1: ERROR cannot write relation settings/,
    )
    assert.deepStrictEqual(
      result.state.logs.map((l) => l.level),
      ["ERROR"],
    )
    assert.deepStrictEqual(readdirSync(join(u.runnerPath("x"), "..")).sort(), [...scriptOptions].sort())

    u.update((s) => {
      s.faults = {}
    })
    const retried = u.hook("config-changed")
    expectOk(retried)
    assert.deepStrictEqual(appBag(retried.state, "backup:3"), published(u))
  })

  it("a hook tool printing something unparseable fails the hook", () => {
    const u = unit({ config, faults: { "config-get": { stdout: "{not json" } } })
    const result = u.hook("config-changed")
    assert.strictEqual(result.code, 1)
    assert.match(result.stderr, /^backup-integrator: config-get: printed output that is not JSON\n$/)
  })

  it("outside Juju: exit 1 saying what is missing", () => {
    const u = unit({ config })
    const result = u.hook("install", undefined, { JUJU_DISPATCH_PATH: "", JUJU_UNIT_NAME: "" })
    assert.strictEqual(result.code, 1)
    assert.strictEqual(
      result.stderr,
      "backup-integrator: not running as a Juju hook: JUJU_DISPATCH_PATH, JUJU_UNIT_NAME not set\n",
    )
  })

  it("the config-get dispatch starts early is stopped, not waited for, when the program fails first", () => {
    const u = unit({ config, faults: { "config-get": { hang: true } } })
    const result = spawnSync(join(charmDir, "dispatch"), [], {
      cwd: charmDir,
      env: u.env("config-changed", undefined, { JUJU_UNIT_NAME: "not-a-unit-name" }),
      encoding: "utf8",
      // A hook that waited for the hanging config-get would not end: killed then, by a signal.
      timeout: 60_000,
    })
    assert.isNull(result.signal, "the hook waited for the hanging config-get")
    assert.strictEqual(result.status, 1)
    assert.match(
      result.stderr,
      /^backup-integrator: not running as a Juju hook: JUJU_UNIT_NAME is not a unit name/,
    )
  })
})

describe("hook tools missing", () => {
  it("a hook tool not on PATH: exit 1 naming it", () => {
    const u = unit({ config })
    const result = u.hook("install", undefined, { PATH: "/usr/bin:/bin" })
    assert.strictEqual(result.code, 1)
    assert.strictEqual(result.stderr, "backup-integrator: config-get: not found on PATH\n")
  })
})
