// The hook's bundle: what would fail every hook, and no type check or unit test, fails the
// build instead; Node modules the hook never uses are not loaded by the program.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Script } from "node:vm"
import { afterAll, assert, describe, it } from "vitest"
import { bundleForHook } from "../../scripts/lay-out-charm.ts"

const root = mkdtempSync(join(tmpdir(), "bundle-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const entry = (name: string, source: string) => {
  const file = join(root, `${name}.ts`)
  writeFileSync(file, source)
  return file
}

describe("bundleForHook", () => {
  it("fails on import.meta, which a CommonJS bundle does not have", async () => {
    const file = entry("meta", "export const url = import.meta.url\n")
    const error = await bundleForHook(file, join(root, "meta.cjs")).catch((e: Error) => e)
    assert.match(String(error), /import\.meta.*not available/)
  })

  it("an ordinary import of Node runs at once, and a deferred one loads only when used", async () => {
    const file = entry(
      "ordinary",
      'import { join } from "node:path"\nimport { tmpdir } from "node:os"\nexport const joined = join("a", "b")\nexport const tmp = () => tmpdir()\n',
    )
    await bundleForHook(file, join(root, "ordinary.cjs"))
    // Run as Node runs a CommonJS file, with a `require` that records what it is asked for.
    const requested: Array<string> = []
    const recording = (id: string) => {
      requested.push(id)
      return process.getBuiltinModule(id)
    }
    const source = readFileSync(join(root, "ordinary.cjs"), "utf8")
    const module = { exports: {} as { joined: string; tmp: () => string } }
    new Script(`(function (module, exports, require) {${source}\n})`).runInThisContext()(
      module,
      module.exports,
      recording,
    )
    assert.strictEqual(module.exports.joined, "a/b")
    assert.notInclude(requested, "node:os")
    assert.strictEqual(module.exports.tmp(), tmpdir())
    assert.include(requested, "node:os")
  })
})
