// `juju refresh` to a revision whose program has the same length as the one before: Juju
// replaces the charm's files but keeps those the charm wrote in its directory, V8's code
// cache among them (compile-cache/, see src/entry/code-cache.ts).
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
import { bundleForHook } from "../../scripts/lay-out-charm.ts"
import { runnerFile } from "../../scripts/runner-file.ts"
import { backupRelation, CharmUnit, charmDir, expectOk } from "../support/charm-unit.ts"

const work = mkdtempSync(join(tmpdir(), "backup-integrator-refresh-"))
const units: Array<CharmUnit> = []
afterAll(() => {
  for (const made of units) made.remove()
  rmSync(work, { recursive: true, force: true })
})

/** A copy of the packed charm of its own (the runtime linked), as Juju unpacks one. */
const copyOfCharm = () => {
  const charm = join(work, "charm")
  for (const entry of ["dispatch", "dist", "metadata.yaml", "config.yaml", "actions.yaml"])
    cpSync(join(charmDir, entry), join(charm, entry), { recursive: true })
  mkdirSync(join(charm, "bin"))
  symlinkSync(resolve(charmDir, "bin", "node"), join(charm, "bin", "node"))
  cpSync(join(charmDir, "bin", "node.arch"), join(charm, "bin", "node.arch"))
  return charm
}

/**
 * The program rebuilt from the project's sources with one change that keeps its length: the
 * first comment of the runner it installs in capitals. Returns the program and that runner.
 */
const rebuiltSameLength = async () => {
  const sources = join(work, "project")
  // package.json and tsconfig.json too: esbuild reads them (the sources are ES modules).
  for (const entry of ["src", "package.json", "tsconfig.json"])
    cpSync(entry, join(sources, entry), { recursive: true })
  symlinkSync(resolve("node_modules"), join(sources, "node_modules"))
  const entry = join(sources, "src/runner/__main__.py")
  const source = readFileSync(entry, "utf8")
  const changed = source.replace(/^# .*$/m, (line) => line.toUpperCase())
  assert.notStrictEqual(changed, source)
  writeFileSync(entry, changed)
  const program = join(work, "program.cjs")
  await bundleForHook(join(sources, "src/main.ts"), program, { deferring: true })
  return { program: readFileSync(program), runner: Buffer.from(runnerFile(join(sources, "src/runner"))) }
}

const config = { fileset: "/var/backups", "run-before-backup": "#!/bin/sh\necho dumped\n" }

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
    const runnerPath = u.scriptPath("run-before-backup")
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
})
