// HookTools against a table of command lines, after the ops library's hookcmds tests: each
// method → the exact argv and stdin; each kind of output → the value or the typed error.
// No process runs: the runner is a recording stand-in, and time is the test clock's.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { SecretUnreadable } from "../../src/domain/failures.ts"
import { HookTools } from "../../src/layers/HookTools.ts"
import type { RunTool, ToolOutcome } from "../../src/layers/hook-tool-process.ts"
import { jujuContext } from "../support/juju-context.ts"

interface Call {
  readonly tool: string
  readonly args: ReadonlyArray<string>
  readonly input: string | undefined
}

/** HookTools over a runner that records each call and answers `outcome`. */
const toolsAnswering = (outcome: ToolOutcome) => {
  const calls: Array<Call> = []
  const run: RunTool = (tool, args, options) => {
    calls.push({ tool, args, input: options.input })
    return outcome
  }
  return {
    calls,
    tools: Effect.provide(HookTools, HookTools.layer(run).pipe(Layer.provide(jujuContext()))),
  }
}

const printed = (stdout: string): ToolOutcome => ({ _tag: "Printed", stdout })

type Method = (tools: HookTools["Service"]) => Effect.Effect<unknown, unknown>

describe("HookTools: each method is one command line", () => {
  const table: ReadonlyArray<[string, Method, string, ReadonlyArray<string>, string | undefined]> = [
    ["configGet", (t) => t.configGet(), "config-get", ["--format=json"], undefined],
    ["isLeader", (t) => t.isLeader(), "is-leader", ["--format=json"], undefined],
    ["relationIds", (t) => t.relationIds("backup"), "relation-ids", ["backup", "--format=json"], undefined],
    [
      "relationGet",
      (t) => t.relationGet({ id: "backup:2", app: "backup-integrator" }),
      "relation-get",
      ["--format=json", "-r", "backup:2", "--app", "-", "backup-integrator"],
      undefined,
    ],
    [
      "relationSet",
      (t) => t.relationSet({ id: "backup:2", data: { fileset: "/srv", "run-after-backup": "" } }),
      "relation-set",
      ["-r", "backup:2", "--app", "--file", "-"],
      '{"fileset":"/srv","run-after-backup":""}',
    ],
    [
      "unitRelationGet (this unit's own bag)",
      (t) => t.unitRelationGet({ id: "cos-agent:4", unit: "backup-integrator/0" }),
      "relation-get",
      ["--format=json", "-r", "cos-agent:4", "-", "backup-integrator/0"],
      undefined,
    ],
    [
      "unitRelationSet (no --app: the unit's bag)",
      (t) => t.unitRelationSet({ id: "cos-agent:4", data: { config: "{}" } }),
      "relation-set",
      ["-r", "cos-agent:4", "--file", "-"],
      '{"config":"{}"}',
    ],
    [
      "statusSet (a message that looks like a flag stays the message)",
      (t) => t.statusSet({ status: "blocked", message: "--help me" }),
      "status-set",
      ["--application=False", "blocked", "--", "--help me"],
      undefined,
    ],
    [
      "secretGet",
      (t) => t.secretGet({ uri: "secret:cq1k2l3m4n5o6p7q8r9s", refresh: false }),
      "secret-get",
      ["secret:cq1k2l3m4n5o6p7q8r9s", "--format=json"],
      undefined,
    ],
    [
      "secretGet, refreshing",
      (t) => t.secretGet({ uri: "secret:cq1k2l3m4n5o6p7q8r9s", refresh: true }),
      "secret-get",
      ["secret:cq1k2l3m4n5o6p7q8r9s", "--format=json", "--refresh"],
      undefined,
    ],
    ["actionGet", (t) => t.actionGet(), "action-get", ["--format=json"], undefined],
    [
      "actionSet (dotted keys; a value holding = and newlines is one argument)",
      (t) => t.actionSet({ "run-before-backup.run-1.result": "exit status 0", output: "a=b\n-x\n" }),
      "action-set",
      ["run-before-backup.run-1.result=exit status 0", "output=a=b\n-x\n"],
      undefined,
    ],
    [
      "actionFail (a message that looks like a flag stays the message)",
      (t) => t.actionFail("--bad"),
      "action-fail",
      ["--", "--bad"],
      undefined,
    ],
    ["actionLog", (t) => t.actionLog("-running"), "action-log", ["--", "-running"], undefined],
    [
      "jujuLog",
      (t) => t.jujuLog({ level: "ERROR", message: "-v broke" }),
      "juju-log",
      ["--log-level", "ERROR", "--", "-v broke"],
      undefined,
    ],
  ]
  const answers: Record<string, string> = {
    "config-get": "{}",
    "is-leader": "true",
    "relation-ids": "[]",
    "relation-get": "{}",
    "action-get": "{}",
    "secret-get": "{}",
  }
  for (const [name, call, tool, args, input] of table) {
    it.effect(name, () =>
      Effect.gen(function* () {
        const { calls, tools } = toolsAnswering(printed(answers[tool] ?? ""))
        yield* call(yield* tools)
        assert.deepStrictEqual(calls, [{ tool, args, input }])
      }),
    )
  }
})

describe("HookTools: each kind of output is a value or a typed error", () => {
  const table: ReadonlyArray<[string, Method, ToolOutcome, unknown]> = [
    ["config-get: an object", (t) => t.configGet(), printed('{"fileset":"/a"}\n'), { fileset: "/a" }],
    [
      "config-get: not JSON",
      (t) => t.configGet(),
      printed("{not json"),
      "config-get: printed output that is not JSON",
    ],
    [
      "config-get: not an object",
      (t) => t.configGet(),
      printed('["x"]'),
      "config-get: printed JSON that is not an object",
    ],
    ["is-leader: a boolean", (t) => t.isLeader(), printed("false\n"), false],
    [
      "is-leader: not one",
      (t) => t.isLeader(),
      printed('"yes"'),
      "is-leader: printed JSON that is not a boolean",
    ],
    [
      "relation-ids: ids",
      (t) => t.relationIds("backup"),
      printed('["backup:10","backup:2"]'),
      ["backup:10", "backup:2"],
    ],
    [
      "relation-ids: an id that could read as a flag",
      (t) => t.relationIds("backup"),
      printed('["--app"]'),
      "relation-ids: printed JSON that is not a list of relation ids",
    ],
    [
      "relation-get: a bag",
      (t) => t.relationGet({ id: "backup:2", app: "a" }),
      printed('{"fileset":"/srv"}'),
      { fileset: "/srv" },
    ],
    [
      "relation-get: not strings",
      (t) => t.relationGet({ id: "backup:2", app: "a" }),
      printed('{"fileset":["/srv"]}'),
      "relation-get: printed JSON that is not an object of strings",
    ],
    ["status-set: nothing", (t) => t.statusSet({ status: "active", message: "" }), printed(""), undefined],
    [
      "status-set: something",
      (t) => t.statusSet({ status: "active", message: "" }),
      printed("ok"),
      "status-set: printed output where none was expected",
    ],
    [
      "relation-set: something",
      (t) => t.relationSet({ id: "backup:2", data: {} }),
      printed("{}"),
      "relation-set: printed output where none was expected",
    ],
    [
      "juju-log: something",
      (t) => t.jujuLog({ level: "INFO", message: "m" }),
      printed("null"),
      "juju-log: printed output where none was expected",
    ],
    [
      "a tool that failed: its reason",
      (t) => t.isLeader(),
      { _tag: "Failed", reason: "exited with status 1: ERROR connection refused" },
      "is-leader: exited with status 1: ERROR connection refused",
    ],
    [
      "a tool that never answered",
      (t) => t.relationIds("backup"),
      { _tag: "TimedOut" },
      "relation-ids: no answer after 1m",
    ],
  ]
  for (const [name, call, outcome, expected] of table) {
    it.effect(name, () =>
      Effect.gen(function* () {
        const { tools } = toolsAnswering(outcome)
        const exit = yield* Effect.exit(call(yield* tools))
        if (typeof expected === "string" && expected.includes(": ")) {
          assert.isTrue(Exit.isFailure(exit))
          assert.include(String(Exit.isFailure(exit) ? exit.cause : ""), `HookToolError: ${expected}`)
        } else {
          assert.deepStrictEqual(exit, Exit.succeed(expected))
        }
      }),
    )
  }
})

describe("HookTools: secret-get", () => {
  const uri = "secret:cq1k2l3m4n5o6p7q8r9s"
  it.effect("a failure that passes (the agent restarting) is a fault, so that Juju retries the hook", () =>
    Effect.gen(function* () {
      for (const line of [
        "ERROR connection is shut down",
        "ERROR not found: context deadline exceeded (retrying)",
      ]) {
        const passing = toolsAnswering({
          _tag: "Failed",
          reason: `exited with status 1: ${line}`,
          exitStatus: 1,
        })
        const exit = yield* Effect.exit((yield* passing.tools).secretGet({ uri, refresh: false }))
        assert.include(
          String(Exit.isFailure(exit) ? exit.cause : ""),
          `HookToolError: secret-get: exited with status 1: ${line}`,
        )
      }
    }),
  )

  it.effect(
    "a refusal (the tool exited) is SecretUnreadable, naming the application; no answer is a fault",
    () =>
      Effect.gen(function* () {
        const refused = toolsAnswering({
          _tag: "Failed",
          reason: "exited with status 1: ERROR permission denied",
          exitStatus: 1,
        })
        const exit = yield* Effect.exit((yield* refused.tools).secretGet({ uri, refresh: false }))
        assert.deepStrictEqual(
          exit,
          Exit.fail(
            new SecretUnreadable({
              uri,
              app: "backup-integrator",
              reason: "exited with status 1: ERROR permission denied",
            }),
          ),
        )
        const misused = toolsAnswering({
          _tag: "Failed",
          reason: "exited with status 2: ERROR bad flag",
          exitStatus: 2,
        })
        const flagError = yield* Effect.exit((yield* misused.tools).secretGet({ uri, refresh: false }))
        assert.include(
          String(Exit.isFailure(flagError) ? flagError.cause : ""),
          "HookToolError: secret-get: exited with status 2",
        )
        const removed = toolsAnswering({
          _tag: "Failed",
          reason: 'exited with status 1: ERROR secret "cq1k2l3m4n5o6p7q8r9s" not found',
          exitStatus: 1,
        })
        const notFound = yield* Effect.exit((yield* removed.tools).secretGet({ uri, refresh: false }))
        assert.include(String(Exit.isFailure(notFound) ? notFound.cause : ""), "SecretUnreadable")
        // Juju 4's words, after a context.
        const removed4 = toolsAnswering({
          _tag: "Failed",
          reason: `exited with status 1: ERROR getting secret ${uri}: secret not found`,
          exitStatus: 1,
        })
        const notFound4 = yield* Effect.exit((yield* removed4.tools).secretGet({ uri, refresh: false }))
        assert.include(String(Exit.isFailure(notFound4) ? notFound4.cause : ""), "SecretUnreadable")
        const silent = toolsAnswering({ _tag: "TimedOut" })
        const timedOut = yield* Effect.exit((yield* silent.tools).secretGet({ uri, refresh: false }))
        assert.include(
          String(Exit.isFailure(timedOut) ? timedOut.cause : ""),
          "HookToolError: secret-get: no answer",
        )
      }),
  )

  it.effect("content that is not an object of strings is a fault that shows none of it", () =>
    Effect.gen(function* () {
      const odd = toolsAnswering(printed('{"password":["s3cret"]}'))
      const exit = yield* Effect.exit((yield* odd.tools).secretGet({ uri, refresh: false }))
      const cause = String(Exit.isFailure(exit) ? exit.cause : "")
      assert.include(cause, "secret-get: printed JSON that is not an object of strings")
      assert.notInclude(cause, "s3cret")
    }),
  )
})
