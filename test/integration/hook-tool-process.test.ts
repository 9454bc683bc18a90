// The live process runner under HookTools: what a tool that cannot start, never answers, or
// says something hostile on the way out, becomes.
import { assert, describe, it } from "@effect/vitest"
import { runTool } from "../../src/layers/hook-tool-process.ts"

// The hook's own limit: sh starting on a busy machine is no reason to fail.
const timeout = 60_000

describe("runTool", () => {
  it("gives the tool its input and returns what it printed", () => {
    assert.deepStrictEqual(
      runTool("sh", ["-c", 'read -r line; printf "%s|%s" "$1" "$line"', "sh", "--a b"], {
        input: "databag\n",
        timeout,
      }),
      { _tag: "Printed", stdout: "--a b|databag" },
    )
  })

  it("an argument Node refuses is a failed outcome naming no argument, not a throw", () => {
    assert.deepStrictEqual(runTool("sh", ["-c", "exit 0", "a\u0000secret"], { timeout }), {
      _tag: "Failed",
      reason: "could not be started: ERR_INVALID_ARG_VALUE",
    })
  })

  it("a tool that is not on PATH, or is killed, says so", () => {
    assert.deepStrictEqual(runTool("backup-integrator-no-such-tool", [], { timeout }), {
      _tag: "Failed",
      reason: "not found on PATH",
    })
    assert.deepStrictEqual(runTool("sh", ["-c", "kill -TERM $$"], { timeout }), {
      _tag: "Failed",
      reason: "killed by SIGTERM",
    })
  })

  it("the last stderr line of a failed tool is kept when plain, escaped otherwise", () => {
    const plain = runTool("sh", ["-c", "echo first >&2; echo 'ERROR no such unit' >&2; exit 2"], { timeout })
    assert.deepStrictEqual(plain, {
      _tag: "Failed",
      reason: "exited with status 2: ERROR no such unit",
      exitStatus: 2,
    })
    const hostile = runTool("sh", ["-c", "printf 'ERROR \\033[2J\\342\\200\\256x' >&2; exit 1"], { timeout })
    assert.deepStrictEqual(hostile, {
      _tag: "Failed",
      reason: 'exited with status 1: "ERROR \\u001b[2J\\u202ex"',
      exitStatus: 1,
    })
  })

  it("a tool still running after the time limit is killed, and the call ends then", () => {
    // A call that waited for the tool would end after 300 s with what it printed, not TimedOut
    // (and past the test's own limit): no clock is read, so a busy machine fails nothing.
    assert.deepStrictEqual(runTool("sleep", ["300"], { timeout: 200 }), { _tag: "TimedOut" })
  })
})
