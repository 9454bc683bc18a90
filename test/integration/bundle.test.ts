// The hook's bundles: what would fail every hook, and no type check or unit test, fails the
// build instead; Node modules the hook never uses are not loaded by the program.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, describe, it } from "vitest"
import { bundleForHook } from "../../scripts/lay-out-charm.ts"
import { loadWithCodeCache } from "../../src/entry/code-cache.ts"

const root = mkdtempSync(join(tmpdir(), "bundle-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const entry = (name: string, source: string) => {
  const file = join(root, `${name}.ts`)
  writeFileSync(file, source)
  return file
}

describe("bundleForHook", () => {
  it("fails on a dynamic import(), which the program's node:vm has no loader for", async () => {
    const file = entry("dynamic", 'export const f = async () => (await import("node:path")).sep\n')
    const error = await bundleForHook(file, join(root, "dynamic.cjs")).catch((e: Error) => e)
    assert.match(
      String(error),
      /a dynamic import\(\) cannot run in the hook: .*dynamic\.ts imports node:path/,
    )
  })

  it("fails on import.meta, which a CommonJS bundle does not have", async () => {
    const file = entry("meta", "export const url = import.meta.url\n")
    const error = await bundleForHook(file, join(root, "meta.cjs")).catch((e: Error) => e)
    assert.match(String(error), /import\.meta.*not available/)
  })

  it("an ordinary import of Node runs in the program, and a deferred one loads only when used", async () => {
    const file = entry(
      "ordinary",
      'import { join } from "node:path"\nimport { tmpdir } from "node:os"\nexport const joined = join("a", "b")\nexport const tmp = () => tmpdir()\n',
    )
    await bundleForHook(file, join(root, "ordinary.cjs"), { deferring: true })
    const requested: Array<string> = []
    const real = createRequire(import.meta.filename)
    const recording = Object.assign((id: string) => {
      requested.push(id)
      return real(id)
    }, real) as NodeJS.Require
    const { exports } = loadWithCodeCache<{ joined: string; tmp: () => string }>(
      join(root, "ordinary.cjs"),
      join(root, "cache", "ordinary.v8"),
      recording,
    )
    assert.strictEqual(exports.joined, "a/b")
    assert.notInclude(requested, "node:os")
    assert.strictEqual(exports.tmp(), tmpdir())
    assert.include(requested, "node:os")
  })
})
