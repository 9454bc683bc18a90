// The hook-tool emulator itself, where a charm test leans on it: it must behave as Juju does
// (../juju-hook-contract facts, restated in docs/explanation.md), not as is convenient.
import { spawn, spawnSync } from "node:child_process"
import { afterEach, assert, describe, it } from "vitest"
import { appBag, settleHook } from "../emulator/state.ts"
import { backupRelation, CharmUnit } from "../support/charm-unit.ts"

const units: Array<CharmUnit> = []
afterEach(() => {
  for (const made of units.splice(0)) made.remove()
})
const unit = (...args: ConstructorParameters<typeof CharmUnit>) => {
  const made = new CharmUnit(...args)
  units.push(made)
  return made
}

const call = (
  u: CharmUnit,
  tool: string,
  args: ReadonlyArray<string>,
  event = "config-changed",
  input = "",
) => spawnSync(tool, args, { env: u.env(event), encoding: "utf8", input })

describe("the hook-tool emulator, as Juju", () => {
  it("a call made while another runs waits for it, and runs once the other is gone", async () => {
    const u = unit({ faults: { "is-leader": { hang: true } } })
    const hanging = spawn("is-leader", ["--format=json"], { env: u.env("config-changed"), stdio: "ignore" })
    while (!u.state.calls.some(([tool]) => tool === "is-leader")) await new Promise((r) => setTimeout(r, 20))

    const waiting = spawn("config-get", ["--format=json"], { env: u.env("config-changed"), stdio: "pipe" })
    let output = ""
    waiting.stdout.on("data", (chunk) => {
      output += chunk
    })
    const done = new Promise<number | null>((resolve) => waiting.on("exit", resolve))
    await new Promise((r) => setTimeout(r, 500))
    assert.isNull(waiting.exitCode, "the second call ran beside the first")

    hanging.kill("SIGKILL")
    assert.strictEqual(await done, 0)
    assert.strictEqual(output, "{}\n")
  })

  it("relation data a hook wrote is committed if it exits 0, discarded otherwise; the hook reads its own", () => {
    const u = unit({ relations: { "backup:1": backupRelation({ fileset: "/old" }) } })
    const set = (value: string) =>
      call(
        u,
        "relation-set",
        ["-r", "backup:1", "--app", "--file", "-"],
        "config-changed",
        `{"fileset": "${value}"}`,
      )
    const get = () =>
      JSON.parse(
        call(u, "relation-get", ["--format=json", "-r", "backup:1", "--app", "-", "backup-integrator"])
          .stdout,
      )
    assert.strictEqual(set("/new").status, 0)
    assert.deepStrictEqual(get(), { fileset: "/new" })
    assert.deepStrictEqual(appBag(settleHook(u.stateFile, 1), "backup:1"), {
      fileset: "/old",
    })
    set("/new")
    assert.deepStrictEqual(appBag(settleHook(u.stateFile, 0), "backup:1"), {
      fileset: "/new",
    })
  })

  it("relation-ids: sorted as strings, a dying relation with no member left out", () => {
    const u = unit({
      relations: {
        "backup:2": backupRelation(),
        "backup:10": backupRelation(),
        "backup:7": { ...backupRelation(), dying: true, remoteUnits: [] },
        "backup:8": { ...backupRelation(), dying: true },
      },
    })
    assert.deepStrictEqual(JSON.parse(call(u, "relation-ids", ["backup", "--format=json"]).stdout), [
      "backup:10",
      "backup:2",
      "backup:8",
    ])
  })

  it("in a restricted context the tools refuse, but juju-log", () => {
    const u = unit({ relations: { "backup:1": backupRelation() } })
    for (const [tool, args] of [
      ["config-get", ["--format=json"]],
      ["is-leader", ["--format=json"]],
      ["relation-ids", ["backup", "--format=json"]],
      ["status-set", ["active", ""]],
    ] as const) {
      const result = call(u, tool, args, "collect-metrics")
      assert.strictEqual(result.status, 1, tool)
      assert.strictEqual(result.stderr, "ERROR not implemented for restricted context\n", tool)
    }
    assert.strictEqual(call(u, "juju-log", ["--", "ok"], "meter-status-changed").status, 0)
  })

  it("juju-log: WARN is WARNING, an unknown level is INFO; status-set takes one message", () => {
    const u = unit()
    call(u, "juju-log", ["--log-level", "WARN", "--", "a"])
    call(u, "juju-log", ["--log-level", "LOUD", "--", "b"])
    assert.deepStrictEqual(u.state.logs, [
      { level: "WARNING", message: "a" },
      { level: "INFO", message: "b" },
    ])
    const two = call(u, "status-set", ["--application=F", "active", "one", "two"])
    assert.strictEqual(two.status, 2)
    assert.strictEqual(two.stderr, 'ERROR unrecognized args: ["two"]\n')
    assert.strictEqual(call(u, "status-set", ["--application=False", "blocked", "--", "-x y"]).status, 0)
    assert.deepStrictEqual(u.state.status, { status: "blocked", message: "-x y" })
  })

  it("action tools work in an action's hook only; action-set nests dotted keys and checks them", () => {
    const u = unit()
    u.update((state) => {
      state.action = { name: "run-script", params: { name: "run-before-backup" }, results: {}, logs: [] }
    })
    const outside = call(u, "action-get", ["--format=json"])
    assert.strictEqual(outside.status, 1)
    assert.strictEqual(outside.stderr, "ERROR not running an action\n")
    const inAction = (tool: string, args: ReadonlyArray<string>) =>
      spawnSync(tool, args, {
        env: { ...u.env("run-script"), JUJU_DISPATCH_PATH: "actions/run-script" },
        encoding: "utf8",
      })
    assert.strictEqual(inAction("action-get", ["--format=json"]).stdout, '{"name":"run-before-backup"}\n')
    assert.strictEqual(inAction("action-set", ["a.b=1", "a.c=x=y", "d=2"]).status, 0)
    for (const bad of ["A=1", "a..b=1", "-a=1", "stdout=1", "a_b=1"]) {
      assert.strictEqual(inAction("action-set", ["--", bad]).status, 2, bad)
    }
    assert.strictEqual(inAction("action-log", ["--", "working"]).status, 0)
    assert.strictEqual(inAction("action-fail", ["--", "it failed"]).status, 0)
    assert.deepStrictEqual(u.state.action, {
      name: "run-script",
      params: { name: "run-before-backup" },
      results: { a: { b: "1", c: "x=y" }, d: "2" },
      logs: ["working"],
      failed: "it failed",
    })
  })
})
