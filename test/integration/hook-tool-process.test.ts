// The live process runner under HookTools: what a tool that cannot start, or says something
// hostile on the way out, becomes.
import { assert, describe, it } from "@effect/vitest"
import { startTool } from "../../src/layers/hook-tool-process.ts"

describe("startTool", () => {
  it("an argument Node refuses is a failed outcome naming no argument, not a throw", async () => {
    const started = startTool("sh", ["-c", "exit 0", "a\u0000secret"])
    assert.deepStrictEqual(await started.outcome, {
      _tag: "Failed",
      reason: "could not be started: ERR_INVALID_ARG_VALUE",
    })
    await started.kill()
  })

  it("the last stderr line of a failed tool is kept when plain, escaped otherwise", async () => {
    const plain = await startTool("sh", ["-c", "echo first >&2; echo 'ERROR no such unit' >&2; exit 2"])
      .outcome
    assert.deepStrictEqual(plain, { _tag: "Failed", reason: "exited with status 2: ERROR no such unit" })
    const hostile = await startTool("sh", ["-c", "printf 'ERROR \\033[2J\\342\\200\\256x' >&2; exit 1"])
      .outcome
    assert.deepStrictEqual(hostile, {
      _tag: "Failed",
      reason: 'exited with status 1: "ERROR \\u001b[2J\\u202ex"',
    })
  })
})
