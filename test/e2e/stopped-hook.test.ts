// A hook Juju stops: systemd stopping the unit agent sends SIGTERM to every process of its
// service, the hook among them. The program is interrupted, so that what it started is
// stopped too (its finalizers run), and the hook ends by that signal, as Node would without
// a handler, for Juju to run it again.
import { spawn } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, assert, describe, it } from "vitest"
import { settleHook } from "../emulator/state.ts"
import { backupRelation, CharmUnit, expectOk } from "../support/charm-unit.ts"
import { jujuEnv } from "../support/juju-env.ts"

const units: Array<CharmUnit> = []
afterAll(() => {
  for (const made of units) made.remove()
})

/** Resolves once `path` exists: what the test waits for is the script's own doing. */
const appeared = async (path: string) => {
  while (!existsSync(path)) await sleep(20)
}

describe("SIGTERM to a running hook", () => {
  it("run-script: the script's run is stopped and recorded, and the hook ends on SIGTERM", async () => {
    const u = new CharmUnit({ config: { fileset: "/srv" }, relations: { "backup:3": backupRelation() } })
    units.push(u)
    const started = join(u.dir, "started")
    u.update((s) => {
      s.config = { ...s.config, "run-before-backup": `#!/bin/sh\ntouch ${started}\nexec sleep 600\n` }
    })
    expectOk(u.hook("config-changed"))
    u.update((state) => {
      state.action = { name: "run-script", params: { name: "run-before-backup" }, results: {}, logs: [] }
    })
    const hook = spawn(join(u.charm, "dispatch"), [], {
      cwd: u.charm,
      env: jujuEnv({
        event: "run-script",
        action: true,
        unitName: u.unitName,
        charm: u.charm,
        stateFile: u.stateFile,
        optDir: u.optDir,
      }),
      stdio: ["ignore", "ignore", "pipe"],
    })
    let stderr = ""
    hook.stderr.on("data", (chunk) => {
      stderr += chunk
    })
    const ended = new Promise<NodeJS.Signals | null>((resolve) =>
      hook.on("close", (_, signal) => resolve(signal)),
    )
    await appeared(started)
    // The hook's process only (dispatch runs Node in its place): not the script's.
    hook.kill("SIGTERM")
    assert.strictEqual(await ended, "SIGTERM")
    settleHook(u.stateFile, null)
    assert.strictEqual(stderr, "backup-integrator: stopped by SIGTERM\n")
    // The runner, told to stop, stopped the script and recorded how the run ended.
    const runs = `${u.optDir}/backup-integrator-charm/backup-integrator/runs/run-before-backup`
    const records = () => (existsSync(runs) ? readdirSync(runs).filter((name) => name.endsWith(".json")) : [])
    while (records().length === 0) await sleep(20)
    const record = JSON.parse(readFileSync(join(runs, records()[0] as string), "utf8"))
    assert.strictEqual(record.signal, "SIGTERM")
  })

  it("a hook tool hanging: SIGTERM to the whole hook, as systemd sends it, ends the hook with a line, not silently", async () => {
    const u = new CharmUnit({
      config: { fileset: "/srv" },
      relations: { "backup:3": backupRelation() },
      faults: { "relation-ids": { hang: true } },
    })
    units.push(u)
    // Its own process group, as the agent's service is its own cgroup: the group is signalled.
    const hook = spawn(join(u.charm, "dispatch"), [], {
      cwd: u.charm,
      env: u.env("config-changed"),
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    })
    let stderr = ""
    hook.stderr.on("data", (chunk) => {
      stderr += chunk
    })
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      hook.on("close", (code, signal) => resolve({ code, signal })),
    )
    while (!u.state.calls.some(([tool]) => tool === "relation-ids")) await sleep(20)
    process.kill(-(hook.pid as number), "SIGTERM")
    const { code, signal } = await ended
    settleHook(u.stateFile, code)
    assert.notStrictEqual(code, 0)
    // The tool died of the signal first, and the program, handed that, failed the hook; or
    // the signal reached the program first and interrupted it. Either is one line.
    assert.match(stderr, /^backup-integrator: (relation-ids: killed by SIGTERM|stopped by SIGTERM)\n$/)
    if (signal !== null) assert.strictEqual(signal, "SIGTERM")
  })
})
