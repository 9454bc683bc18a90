// The hook program's loader: V8's code cache, written after a hook, kept while it serves.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { loadWithCodeCache } from "../../src/entry/code-cache.ts"

const root = mkdtempSync(join(tmpdir(), "code-cache-"))
const require = createRequire(import.meta.filename)
afterAll(() => rmSync(root, { recursive: true, force: true }))

interface Exports {
  readonly add: (a: number, b: number) => number
  readonly thisAtTop: unknown
}

/** A CommonJS bundle as esbuild writes one, and where its cache goes. */
const bundle = (name: string) => {
  const file = join(root, `${name}.cjs`)
  writeFileSync(
    file,
    "module.exports = { add: (a, b) => a + b, thisAtTop: (function () { return this })() }\n",
  )
  return { file, cacheFile: join(root, name, "compile-cache", "program.v8") }
}

const depthOf = (cacheFile: string) => readFileSync(cacheFile, "latin1").split("\n")[0]

describe("loadWithCodeCache", () => {
  it("gives the bundle a working require of Node's modules, as the hook's program needs", () => {
    const file = join(root, "requires.cjs")
    writeFileSync(
      file,
      'const { join } = require("node:path"); module.exports = { joined: join("a", "b") }\n',
    )
    const { exports } = loadWithCodeCache<{ joined: string }>(
      file,
      join(root, "requires", "program.v8"),
      require,
    )
    assert.strictEqual(exports.joined, "a/b")
  })

  it("runs the bundle as strict code and returns its exports", () => {
    const { file, cacheFile } = bundle("exports")
    const { exports } = loadWithCodeCache<Exports>(file, cacheFile, require)
    assert.strictEqual(exports.add(2, 3), 5)
    assert.strictEqual(exports.thisAtTop, undefined)
  })

  it("writes the cache after the first hook, then only for a hook that ran further", () => {
    const { file, cacheFile } = bundle("depth")
    const first = loadWithCodeCache<Exports>(file, cacheFile, require)
    first.exports.add(1, 1)
    first.save(3)
    assert.strictEqual(depthOf(cacheFile), "3")
    // V8 runs what it holds: nobody but the hook's user may change it.
    assert.strictEqual(statSync(cacheFile).mode & 0o777, 0o600)
    assert.strictEqual(statSync(dirname(cacheFile)).mode & 0o777, 0o700)
    const written = statSync(cacheFile, { bigint: true }).mtimeNs

    const shallower = loadWithCodeCache<Exports>(file, cacheFile, require)
    shallower.save(2)
    shallower.save(3)
    assert.strictEqual(statSync(cacheFile, { bigint: true }).mtimeNs, written)

    const deeper = loadWithCodeCache<Exports>(file, cacheFile, require)
    assert.strictEqual(deeper.exports.add(1, 2), 3)
    deeper.save(5)
    assert.strictEqual(depthOf(cacheFile), "5")
  })

  // Each bundle is loaded once: V8 would take a source it compiled before from its own memory.
  it("a cache V8 rejects, or that is not one, is written again whatever the depth", () => {
    for (const garbage of ["9\nnot V8's data", "not a header", ""]) {
      const { file, cacheFile } = bundle(`garbage-${garbage.length}`)
      mkdirSync(dirname(cacheFile), { recursive: true })
      writeFileSync(cacheFile, garbage)
      const loaded = loadWithCodeCache<Exports>(file, cacheFile, require)
      assert.strictEqual(loaded.exports.add(1, 2), 3)
      loaded.save(0)
      assert.strictEqual(depthOf(cacheFile), "0")
      assert.isAbove(readFileSync(cacheFile).length, 100)
    }
  })

  it("a cache for another version of the bundle is written again", () => {
    const { file, cacheFile } = bundle("upgraded")
    loadWithCodeCache<Exports>(file, cacheFile, require).save(4)
    writeFileSync(file, "module.exports = { add: (a, b) => b + a, thisAtTop: 1 }\n")
    const upgraded = loadWithCodeCache<Exports>(file, cacheFile, require)
    assert.strictEqual(upgraded.exports.thisAtTop, 1)
    const before = readFileSync(cacheFile)
    upgraded.save(1)
    assert.strictEqual(depthOf(cacheFile), "1")
    assert.notDeepEqual(readFileSync(cacheFile), before)
  })

  it("a cache that cannot be written is skipped, not an error", () => {
    const { file } = bundle("unwritable")
    writeFileSync(join(root, "a-file"), "")
    const loaded = loadWithCodeCache<Exports>(
      file,
      join(root, "a-file", "compile-cache", "program.v8"),
      require,
    )
    loaded.save(1)
    assert.strictEqual(loaded.exports.add(2, 2), 4)
  })
})
