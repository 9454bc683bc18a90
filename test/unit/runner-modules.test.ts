// The runner's modules tested alone (test/runner/test_*.py, Python's unittest), with the Python
// the runner runs with: each Python test case is a test here, so a failing one fails the suite.
import { spawnSync } from "node:child_process"
import { assert, describe, it } from "vitest"
import { runnerInterpreter } from "../../src/domain/machine-paths.ts"

// -B: no bytecode written beside the sources (src/runner is what the runner file is made of).
const run = spawnSync(runnerInterpreter, ["-I", "-B", "test/runner/run_tests.py"], { encoding: "utf8" })
const cases: ReadonlyArray<{ id: string; outcome: string; detail: string }> =
  run.status === 0 ? JSON.parse(run.stdout) : []

describe("the runner's modules", () => {
  it("have their tests run (Python's unittest found them all)", () => {
    assert.strictEqual(run.status, 0, run.stderr)
    assert.isAbove(cases.length, 0)
  })
  for (const { id, outcome, detail } of cases)
    it.skipIf(outcome === "skipped")(id, () => {
      assert.strictEqual(outcome, "passed", detail)
    })
})
