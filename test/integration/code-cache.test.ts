// The hook program's loader: V8's code cache, written after a hook, kept while it serves.

import { execFileSync } from "node:child_process"
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
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

/** The depth the cache file's header gives, as a string ("" when it has none). */
const depthOf = (cacheFile: string) => {
  const header = readFileSync(cacheFile, "utf8").split("\n")[0] ?? ""
  try {
    return String(JSON.parse(header).depth)
  } catch {
    return ""
  }
}

interface Adder {
  readonly add: (a: number, b: number) => number
}

/**
 * Two programs of the same length (what V8 checks) that add or subtract: `tag` makes each
 * test's pair its own, as V8 would take a source it compiled before from its own memory.
 */
const sameLength = (tag: string) => ({
  adds: `module.exports = { tag: ${JSON.stringify(tag)}, add: (a, b) => a + b }\n`,
  subtracts: `module.exports = { tag: ${JSON.stringify(tag)}, add: (a, b) => a - b }\n`,
})

/**
 * A cache made for the adding program, its `add` compiled into it, then the program replaced
 * by the subtracting one of the same length: as `juju refresh` leaves the charm directory.
 */
const refreshed = (tag: string) => {
  const { adds, subtracts } = sameLength(tag)
  const file = join(root, `${tag}.cjs`)
  const cacheFile = join(root, tag, "compile-cache", "program.v8")
  writeFileSync(file, adds)
  const before = loadWithCodeCache<Adder>(file, cacheFile, require)
  assert.strictEqual(before.exports.add(5, 3), 8)
  before.save(3)
  writeFileSync(file, subtracts)
  return { file, cacheFile, adds, subtracts }
}

/**
 * The cache of `refreshed`, forged to claim it was made from the program now there: every
 * copy of the old program's bytes in it replaced by the new one's. Only where it came from
 * (its owner, its mode, its directory's) can tell it from a real one.
 */
const forge = ({ cacheFile, adds, subtracts }: Omit<ReturnType<typeof refreshed>, "file">) => {
  const file = readFileSync(cacheFile)
  const old = Buffer.from(adds)
  for (let at = file.indexOf(old); at >= 0; at = file.indexOf(old, at + 1))
    Buffer.from(subtracts).copy(file, at)
  writeFileSync(cacheFile, file, { mode: 0o600 })
}

const isRoot = process.getuid?.() === 0
const nobody = 65534

/** After a hook that was given no usable cache: a new one, root's alone, in root's directory. */
const assertRebuilt = (cacheFile: string, depth: number) => {
  assert.strictEqual(depthOf(cacheFile), String(depth))
  const file = lstatSync(cacheFile)
  assert.isTrue(file.isFile())
  assert.strictEqual(file.uid, process.getuid?.())
  assert.strictEqual(file.mode & 0o777, 0o600)
  const directory = lstatSync(dirname(cacheFile))
  assert.strictEqual(directory.uid, process.getuid?.())
  assert.strictEqual(directory.mode & 0o777, 0o700)
}

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

  it("a program of the same length as the one cached runs as it is now, and the cache is made again", () => {
    const { file, cacheFile } = refreshed("same-length")
    const after = loadWithCodeCache<Adder>(file, cacheFile, require)
    assert.strictEqual(after.exports.add(5, 3), 2)
    after.save(1)
    assertRebuilt(cacheFile, 1)
    // And the new cache serves the new program.
    const cached = readFileSync(cacheFile)
    assert.notStrictEqual(cached.indexOf(readFileSync(file)), -1)
  })

  // The forged cache is what an attacker who can write it would leave: V8 would run its code.
  it("a forged cache root wrote is used: only where it comes from can tell (the checks below)", () => {
    const pair = refreshed("forged-by-root")
    forge(pair)
    assert.strictEqual(loadWithCodeCache<Adder>(pair.file, pair.cacheFile, require).exports.add(5, 3), 8)
  })

  const untrusted: Array<[string, (cacheFile: string) => void, boolean?]> = [
    ["writable by its group", (cacheFile) => chmodSync(cacheFile, 0o620)],
    ["writable by others", (cacheFile) => chmodSync(cacheFile, 0o602)],
    ["in a directory its group can write", (cacheFile) => chmodSync(dirname(cacheFile), 0o770)],
    ["in a directory others can write", (cacheFile) => chmodSync(dirname(cacheFile), 0o703)],
    [
      "a symbolic link to a cache",
      (cacheFile) => {
        writeFileSync(`${cacheFile}.elsewhere`, readFileSync(cacheFile), { mode: 0o600 })
        rmSync(cacheFile)
        symlinkSync(`${cacheFile}.elsewhere`, cacheFile)
      },
    ],
    ["owned by another user", (cacheFile) => chownSync(cacheFile, nobody, nobody), true],
    ["in a directory another user owns", (cacheFile) => chownSync(dirname(cacheFile), nobody, nobody), true],
    [
      "made by another Node",
      (cacheFile) => {
        const file = readFileSync(cacheFile, "latin1")
        writeFileSync(cacheFile, file.replace(`"node":"${process.version}"`, `"node":"v0.0.0"`), "latin1")
      },
    ],
  ]
  for (const [what, untrust, needsRoot] of untrusted) {
    it.runIf(!needsRoot || isRoot)(`a cache ${what} is not used, and is made again, root's alone`, () => {
      const pair = refreshed(`untrusted-${what.replaceAll(" ", "-")}`)
      forge(pair)
      untrust(pair.cacheFile)
      const after = loadWithCodeCache<Adder>(pair.file, pair.cacheFile, require)
      assert.strictEqual(after.exports.add(5, 3), 2)
      after.save(0)
      assertRebuilt(pair.cacheFile, 0)
    })
  }

  it("a cache that cannot be read (a directory, a FIFO) does not stop the program, and is made again", () => {
    for (const [name, make] of [
      ["directory", (path: string) => mkdirSync(join(path, "inside"), { recursive: true })],
      ["fifo", (path: string) => execFileSync("mkfifo", ["-m", "600", path])],
    ] as const) {
      const { file, cacheFile } = bundle(`unreadable-${name}`)
      mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 })
      make(cacheFile)
      const loaded = loadWithCodeCache<Exports>(file, cacheFile, require)
      assert.strictEqual(loaded.exports.add(1, 2), 3)
      loaded.save(2)
      assertRebuilt(cacheFile, 2)
    }
  })

  // Forged, as above, so that only V8's own check can stop it.
  it("a cache whose V8 data is cut short is rejected by V8, and made again", () => {
    const pair = refreshed("cut-short")
    forge(pair)
    const whole = readFileSync(pair.cacheFile)
    writeFileSync(pair.cacheFile, whole.subarray(0, whole.length - 1000), { mode: 0o600 })
    const loaded = loadWithCodeCache<Adder>(pair.file, pair.cacheFile, require)
    assert.strictEqual(loaded.exports.add(5, 3), 2)
    loaded.save(1)
    assertRebuilt(pair.cacheFile, 1)
  })

  // V8 keeps a hash of its flags in the data and checks it: the header need not.
  it("a cache made under other V8 flags is rejected by V8, and made again", () => {
    const { adds, subtracts } = sameLength("other-flags")
    const file = join(root, "other-flags.cjs")
    const cacheFile = join(root, "other-flags", "compile-cache", "program.v8")
    writeFileSync(file, adds)
    const maker = join(root, "make-cache.ts")
    writeFileSync(
      maker,
      `import { createRequire } from "node:module"
import { loadWithCodeCache } from ${JSON.stringify(join(import.meta.dirname, "../../src/entry/code-cache.ts"))}
const loaded = loadWithCodeCache(process.argv[2], process.argv[3], createRequire(import.meta.filename))
loaded.exports.add(5, 3)
loaded.save(3)
`,
    )
    execFileSync(process.execPath, ["--max-lazy", maker, file, cacheFile])
    writeFileSync(file, subtracts)
    forge({ cacheFile, adds, subtracts })
    const loaded = loadWithCodeCache<Adder>(file, cacheFile, require)
    assert.strictEqual(loaded.exports.add(5, 3), 2)
    loaded.save(1)
    assertRebuilt(cacheFile, 1)
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
