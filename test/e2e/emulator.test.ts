// The hook-tool emulator itself, where a charm test leans on it: it refuses a call made
// while another of the same unit is running, so every end-to-end test also checks that the
// charm makes its calls one at a time.
import { spawn, spawnSync } from "node:child_process"
import { afterEach, assert, describe, it } from "vitest"
import { CharmUnit } from "../support/charm-unit.ts"

const units: Array<CharmUnit> = []
afterEach(() => {
  for (const made of units.splice(0)) made.remove()
})

const call = (u: CharmUnit, tool: string, args: ReadonlyArray<string>) =>
  spawnSync(tool, args, { env: u.env("config-changed"), encoding: "utf8" })

describe("the hook-tool emulator", () => {
  it("fails a call made while another is running, and takes over the turn of a killed one", async () => {
    const u = new CharmUnit({ faults: { "is-leader": { hang: true } } })
    units.push(u)
    const hanging = spawn("is-leader", ["--format=json"], { env: u.env("config-changed"), stdio: "ignore" })
    // The hanging call has its turn once it is recorded.
    while (!u.state.calls.some(([tool]) => tool === "is-leader")) await new Promise((r) => setTimeout(r, 20))

    const overlapping = call(u, "config-get", ["--format=json"])
    assert.strictEqual(overlapping.status, 1)
    assert.match(overlapping.stderr, /^ERROR hook tool called while another \(pid \d+\) is still running\n$/)

    const gone = new Promise((resolve) => hanging.on("exit", resolve))
    hanging.kill("SIGKILL")
    await gone
    const after = call(u, "config-get", ["--format=json"])
    assert.strictEqual(after.status, 0, after.stderr)
    assert.strictEqual(after.stdout, "{}\n")
  })
})
