// `juju refresh`: Juju replaces the charm's files and runs upgrade-charm; what the old
// revision left on the machine (its runners, the unit's record) must not outlive it.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, assert, describe, it } from "vitest"
import { bundleForHook } from "../../scripts/lay-out-charm.ts"
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
 * The hook rebuilt from the project's sources with one change: the first comment of the
 * runner it installs in capitals. Returns the bundle and that runner.
 */
const rebuilt = async () => {
  const sources = join(work, "project")
  // package.json and tsconfig.json too: esbuild reads them (the sources are ES modules).
  for (const entry of ["src", "package.json", "tsconfig.json"])
    cpSync(entry, join(sources, entry), { recursive: true })
  symlinkSync(resolve("node_modules"), join(sources, "node_modules"))
  const runnerFile = join(sources, "src/runner/runner.py")
  const runner = readFileSync(runnerFile, "utf8")
  const changed = runner.replace(/^# .*$/m, (line) => line.toUpperCase())
  assert.notStrictEqual(changed, runner)
  writeFileSync(runnerFile, changed)
  const hook = join(work, "hook.cjs")
  await bundleForHook(join(sources, "src/entry/hook.ts"), hook)
  return { hook: readFileSync(hook), runner: changed }
}

const config = { fileset: "/var/backups", "run-before-backup": "#!/bin/sh\necho dumped\n" }

describe("juju refresh", () => {
  it("to a revision whose runner changed: upgrade-charm installs the new runner", async () => {
    const charm = copyOfCharm()
    const u = new CharmUnit(
      { config, relations: { "backup:3": backupRelation() } },
      "backup-integrator/0",
      charm,
    )
    units.push(u)
    for (const event of ["install", "config-changed"]) expectOk(u.hook(event))
    const runnerPath = u.scriptPath("run-before-backup")
    const oldRunner = readFileSync(runnerPath, "utf8")

    const revision = await rebuilt()
    assert.notStrictEqual(revision.runner, oldRunner)
    writeFileSync(join(charm, "dist/hook.cjs"), revision.hook)

    for (const event of ["upgrade-charm", "config-changed"]) {
      const result = u.hook(event)
      expectOk(result)
      assert.deepStrictEqual(result.state.status, { status: "active", message: "no backup yet" })
      assert.strictEqual(readFileSync(runnerPath, "utf8"), revision.runner)
    }
  })
})
