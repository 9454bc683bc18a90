// Hostile and odd configuration through the packed charm: refused with a safe one-line
// status while the last good spec stays published; very large input works.
import { readFileSync } from "node:fs"
import { afterAll, assert, describe, it } from "vitest"
import { scriptOptions } from "../../src/domain/options.ts"
import { appBag } from "../emulator/state.ts"
import { backupRelation, CharmUnit, expectOk } from "../support/charm-unit.ts"

const good = { fileset: "/srv/data", "run-before-backup": "#!/bin/sh\necho dump\n" }
const u = new CharmUnit({ config: good, relations: { "backup:3": backupRelation() } })
afterAll(() => u.remove())

const samples: ReadonlyArray<[string, Record<string, string>, string]> = [
  [
    "a newline and braces that would rewrite the Director's configuration",
    { fileset: "/etc/x\n}\nFileSet {\n  Name = evil" },
    String.raw`invalid fileset: "/etc/x\n}\nFileSet {\n  Name = evil": character '\n' is not allowed`,
  ],
  ["a quote", { fileset: '/ok,/a"b' }, String.raw`invalid fileset: "/a\"b": character '"' is not allowed`],
  ["a comment sign", { fileset: "/srv/x#y" }, `invalid fileset: "/srv/x#y": character '#' is not allowed`],
  [
    "a backslash",
    { fileset: "/srv/a\\b" },
    String.raw`invalid fileset: "/srv/a\\b": character '\' is not allowed`,
  ],
  ["a glob", { fileset: "/srv/*" }, `invalid fileset: "/srv/*": wildcard '*' is not expanded`],
  [
    "a bidirectional override",
    { fileset: "/srv/\u202etxt.exe" },
    String.raw`invalid fileset: "/srv/\u202etxt.exe": character '\u202e' is not allowed`,
  ],
  [
    "a zero-width space",
    { fileset: "/srv/a\u200bb" },
    String.raw`invalid fileset: "/srv/a\u200bb": character '\u200b' is not allowed`,
  ],
  [
    "a NUL",
    { fileset: "/srv/\u0000" },
    String.raw`invalid fileset: "/srv/\u0000": character '\u0000' is not allowed`,
  ],
  ["a traversal", { fileset: "/srv/../etc/shadow" }, `invalid fileset: "/srv/../etc/shadow": ".." segment`],
  ["only commas", { fileset: ",".repeat(10_000) }, "missing fileset config"],
  [
    "a path longer than 4096 bytes",
    { fileset: `/${"a".repeat(5000)}` },
    // 120 characters exactly: the path is cut to what leaves room for the reason.
    `invalid fileset: "/${"a".repeat(120 - 47)}...": longer than 4096 bytes`,
  ],
  [
    "a script with Windows line endings",
    { ...good, "run-after-restore": "#!/bin/sh\r\necho restored\r\n" },
    "invalid run-after-restore: script has Windows (CRLF) line endings",
  ],
]

describe("hostile configuration is refused, the last good spec stays", () => {
  it("publishes the good spec first", () => {
    expectOk(u.hook("config-changed"))
  })
  for (const [what, config, message] of samples) {
    it(what, () => {
      u.update((s) => {
        s.config = config
      })
      const result = u.hook("config-changed")
      expectOk(result)
      assert.deepStrictEqual(result.state.status, { status: "blocked", message })
      assert.isAtMost([...message].length, 120)
      assert.notMatch(message, /[\p{Cc}\p{Cf}]/u)
      assert.deepStrictEqual(appBag(result.state, "backup:3"), {
        fileset: "/srv/data",
        ...Object.fromEntries(scriptOptions.map((option) => [option, u.runnerPath(option)])),
      })
      assert.strictEqual(
        readFileSync(u.operatorScript("run-before-backup"), "utf8"),
        good["run-before-backup"],
      )
    })
  }
})

describe("size", () => {
  it("a 10,000-path fileset and a 1 MiB script complete normally", () => {
    const paths = Array.from({ length: 10_000 }, (_, i) => `/srv/data/tenant-${i}/dumps`)
    const script = `#!/bin/sh\n# ${"x".repeat(1 << 20)}\n`
    u.update((s) => {
      s.config = { fileset: paths.join(", "), "run-before-backup": script }
    })
    const start = performance.now()
    const result = u.hook("config-changed")
    const first = performance.now() - start
    const again = performance.now()
    const steady = u.hook("config-changed")
    const second = performance.now() - again
    expectOk(result)
    expectOk(steady)
    assert.deepStrictEqual(steady.state.status, { status: "active", message: "no backup yet" })
    assert.strictEqual(appBag(steady.state, "backup:3")?.fileset, paths.join(","))
    assert.strictEqual(readFileSync(u.operatorScript("run-before-backup"), "utf8"), script)
    // The fileset cut at 1000 characters, and the four runners' paths (` <option>=<path>`).
    const paths4 = scriptOptions.reduce(
      (sum, option) => sum + option.length + u.runnerPath(option).length + 2,
      0,
    )
    assert.isBelow(result.state.logs[0]?.message.length ?? 0, 1200 + paths4)
    // A figure to read, not a timed assertion.
    console.log(
      `size: 10,000 paths + 1 MiB script: first hook ${first.toFixed(0)} ms, steady hook ${second.toFixed(0)} ms`,
    )
  })
})
