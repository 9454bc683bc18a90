// `juju refresh`: Juju replaces the charm's files but keeps what the charm wrote, V8's code
// cache in its directory (compile-cache/, see src/entry/code-cache.ts) and the unit's record
// on the machine: neither may carry the old revision's program or words into the new one.
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, assert, describe, it } from "vitest"
import { bundleForProgram } from "../../scripts/lay-out-charm.ts"
import { runnerFile } from "../../scripts/runner-file.ts"
import { backupRelation, CharmUnit, charmDir, expectOk } from "../support/charm-unit.ts"

const work = mkdtempSync(join(tmpdir(), "backup-integrator-refresh-"))
const units: Array<CharmUnit> = []
afterAll(() => {
  for (const made of units) made.remove()
  rmSync(work, { recursive: true, force: true })
})

/** A copy of the packed charm of its own (the runtime linked), as Juju unpacks one. */
const copyOfCharm = (name = "charm") => {
  const charm = join(work, name)
  for (const entry of ["dispatch", "dist", "metadata.yaml", "config.yaml", "actions.yaml"])
    cpSync(join(charmDir, entry), join(charm, entry), { recursive: true })
  mkdirSync(join(charm, "bin"))
  symlinkSync(resolve(charmDir, "bin", "node"), join(charm, "bin", "node"))
  cpSync(join(charmDir, "bin", "node.arch"), join(charm, "bin", "node.arch"))
  return charm
}

/**
 * The program rebuilt from a copy of the project's sources with `file` changed by `change`.
 * Returns the program and the file changed.
 */
const rebuilt = async (name: string, file: string, change: (text: string) => string) => {
  const sources = join(work, name)
  // package.json and tsconfig.json too: esbuild reads them (the sources are ES modules).
  for (const entry of ["src", "package.json", "tsconfig.json"])
    cpSync(entry, join(sources, entry), { recursive: true })
  symlinkSync(resolve("node_modules"), join(sources, "node_modules"))
  const text = readFileSync(join(sources, file), "utf8")
  const changed = change(text)
  assert.notStrictEqual(changed, text)
  writeFileSync(join(sources, file), changed)
  const program = join(work, `${name}.cjs`)
  await bundleForProgram(program, join(sources, "src/main.ts"))
  return { program: readFileSync(program), sources }
}

/**
 * The program with one change that keeps its length: the first comment of the runner it
 * installs in capitals. Returns the program and that runner.
 */
const rebuiltSameLength = async () => {
  const { program, sources } = await rebuilt("same-length", "src/runner/__main__.py", (source) =>
    source.replace(/^# .*$/m, (line) => line.toUpperCase()),
  )
  return { program, runner: Buffer.from(runnerFile(join(sources, "src/runner"))) }
}

const config = { fileset: "/var/backups", "run-before-backup": "#!/bin/sh\necho dumped\n" }

const steadyUnit = (charm: string) => {
  const u = new CharmUnit(
    { config, relations: { "backup:3": backupRelation() } },
    "backup-integrator/0",
    charm,
  )
  units.push(u)
  for (const event of ["install", "config-changed", "config-changed"]) expectOk(u.hook(event))
  return u
}

describe("juju refresh", () => {
  it("to a program of the same length: the next hooks run the new program, not the cached one", async () => {
    const charm = copyOfCharm()
    const u = new CharmUnit(
      { config, relations: { "backup:3": backupRelation() } },
      "backup-integrator/0",
      charm,
    )
    units.push(u)
    for (const event of ["install", "config-changed", "config-changed"]) {
      const result = u.hook(event)
      expectOk(result)
    }
    const cache = join(charm, "compile-cache", "program.v8")
    assert.isTrue(statSync(cache).isFile())
    const runnerPath = u.runnerPath("run-before-backup")
    const oldRunner = readFileSync(runnerPath)

    // The refresh: the new program in place of the old, compile-cache/ kept.
    const rebuilt = await rebuiltSameLength()
    const old = readFileSync(join(charm, "dist/program.cjs"))
    assert.strictEqual(rebuilt.program.length, old.length)
    assert.isFalse(rebuilt.program.equals(old))
    assert.isFalse(rebuilt.runner.equals(oldRunner))
    writeFileSync(join(charm, "dist/program.cjs"), rebuilt.program)

    for (const event of ["upgrade-charm", "config-changed"]) {
      const result = u.hook(event)
      expectOk(result)
      assert.deepStrictEqual(result.state.status, { status: "active", message: "no backup yet" })
      assert.isTrue(readFileSync(runnerPath).equals(rebuilt.runner))
    }
  })

  it("to a build that words a status differently: the unit shows the new words", async () => {
    const charm = copyOfCharm("wording")
    const u = steadyUnit(charm)
    assert.deepStrictEqual(u.state.status, { status: "active", message: "no backup yet" })
    const { program } = await rebuilt("wording", "src/domain/unit-status.ts", (text) =>
      text.replace('"no backup yet"', '"no backup so far"'),
    )
    writeFileSync(join(charm, "dist/program.cjs"), program)
    const upgraded = u.hook("upgrade-charm")
    expectOk(upgraded)
    assert.deepStrictEqual(upgraded.state.status, { status: "active", message: "no backup so far" })
  })
})
