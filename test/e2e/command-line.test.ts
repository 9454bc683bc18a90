// Every script npm runs answers --help with what each flag does, and a bad flag or value with
// one line naming it and the usage, exit status 2: never a stack trace.
import { spawnSync } from "node:child_process"
import { assert, describe, it } from "vitest"

const run = (script: string, ...args: Array<string>) =>
  spawnSync(process.execPath, [`scripts/${script}.ts`, ...args], { encoding: "utf8" })

describe("the project's scripts", { timeout: 600_000 }, () => {
  for (const [script, flags] of [
    ["build", ["--arch", "--for-charmcraft"]],
    ["pack", []],
    ["bench", ["--baseline"]],
    ["simulate", ["--event", "--then", "--action", "--bacula-job", "--config", "--secret"]],
  ] as const) {
    it(`${script} --help explains each flag and changes nothing`, () => {
      const result = run(script, "--help")
      assert.strictEqual(result.status, 0, result.stderr)
      assert.strictEqual(result.stderr, "")
      assert.match(result.stdout, new RegExp(`^usage: npm run ${script} --`))
      for (const flag of [...flags, "--help"])
        assert.match(result.stdout, new RegExp(`\\n  ${flag}\\b`), flag)
      assert.include(result.stdout, "\nexamples:\n")
    })
  }

  for (const [script, args, problem] of [
    ["build", ["--arch", "sparc"], "--arch: expected amd64 or arm64, not sparc"],
    ["build", ["--arch"], "--arch needs a value"],
    ["build", ["--for-charmcraft=no"], "--for-charmcraft takes no value: --for-charmcraft=no"],
    ["pack", ["--arch", "amd64"], "unknown flag: --arch"],
    ["pack", ["amd64"], "unexpected argument: amd64"],
    [
      "bench",
      ["--baseline", "/nonexistent"],
      "--baseline: no unpacked charm at /nonexistent (no executable dispatch in it)",
    ],
    ["bench", ["--rounds", "3"], "unknown flag: --rounds"],
    [
      "simulate",
      ["--relations", "-1"],
      "--relations: expected a number of backup relations from 0 to 50, not -1",
    ],
  ] as const) {
    it(`${script} ${args.join(" ")}: one line naming the problem, the usage, exit 2`, () => {
      const result = run(script, ...args)
      assert.strictEqual(result.status, 2, result.stderr)
      assert.strictEqual(result.stdout, "")
      assert.strictEqual(
        result.stderr.replace(/\nusage: npm run \S+ --.*\(--help explains each flag\)\n$/, ""),
        problem,
      )
    })
  }
})
