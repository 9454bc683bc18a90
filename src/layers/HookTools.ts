import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { Databag } from "../domain/backup-spec.ts"
import { HookToolError, SecretUnreadable } from "../domain/failures.ts"
import type { UnitStatus } from "../domain/unit-status.ts"
import type { RunTool, ToolOutcome } from "./hook-tool-process.ts"
import { JujuContext } from "./JujuContext.ts"

/** `backup:2`: checked before it is passed back to a tool, so it can never read as a flag. */
export const RelationId = Schema.String.check(Schema.isPattern(/^[a-z][a-z0-9-]*:\d+$/))

const JsonObject = Schema.Record(Schema.String, Schema.Unknown)

/**
 * How `secret-get` says, on its last stderr line, that the secret is not this application's to
 * read, which only an operator can change: removed or never there, not granted or revoked.
 * Juju 3 (apiserver/facades/agent/secretsmanager/secrets.go): errors.NotFoundf, `secret
 * "<id>" not found`, and apiservererrors.ErrPerm, `permission denied`; Juju 4
 * (domain/secret/errors): `secret not found`, `permission denied`, perhaps after a context.
 * Any other failure passes (the agent restarting, the controller out of reach): a fault, so
 * that Juju retries the hook.
 */
const secretRefused = /: ERROR (.*: )?(secret( "[^"]*")? not found|permission denied)$/

/**
 * The Juju hook tools this charm calls, one function each, arguments named as on the
 * command line (after the `ops` library's `hookcmds`). Every call is one process and one
 * round trip to the unit agent: this is the only place that runs them.
 */
export class HookTools extends Context.Service<
  HookTools,
  {
    /** `config-get --format=json` */
    readonly configGet: () => Effect.Effect<Readonly<Record<string, unknown>>, HookToolError>
    /** `is-leader --format=json` */
    readonly isLeader: () => Effect.Effect<boolean, HookToolError>
    /** `relation-ids <endpoint> --format=json` */
    readonly relationIds: (endpoint: string) => Effect.Effect<ReadonlyArray<string>, HookToolError>
    /** `relation-get --format=json -r <id> --app - <app>`: an application's databag. */
    readonly relationGet: (args: {
      readonly id: string
      readonly app: string
    }) => Effect.Effect<Databag, HookToolError>
    /** `relation-get --format=json -r <id> - <unit>`: a unit's databag (this unit's own too). */
    readonly unitRelationGet: (args: {
      readonly id: string
      readonly unit: string
    }) => Effect.Effect<Databag, HookToolError>
    /** `relation-set -r <id> --file -`: this unit's databag, the mapping on stdin. */
    readonly unitRelationSet: (args: {
      readonly id: string
      readonly data: Databag
    }) => Effect.Effect<void, HookToolError>
    /** `relation-set -r <id> --app --file -`, the mapping on stdin; `""` deletes a key. */
    readonly relationSet: (args: {
      readonly id: string
      readonly data: Databag
    }) => Effect.Effect<void, HookToolError>
    /** `status-set --application=False <status> -- <message>` */
    readonly statusSet: (status: UnitStatus) => Effect.Effect<void, HookToolError>
    /**
     * `secret-get <uri> --format=json` (`--refresh`: move to the newest revision). A refusal
     * (not granted, removed) is SecretUnreadable, not a fault; any other failure is one.
     */
    readonly secretGet: (args: {
      readonly uri: string
      readonly refresh: boolean
    }) => Effect.Effect<Readonly<Record<string, string>>, HookToolError | SecretUnreadable>
    /** `action-get --format=json`: the action's parameters. */
    readonly actionGet: () => Effect.Effect<Readonly<Record<string, unknown>>, HookToolError>
    /** `action-set <key>=<value>…`: dotted keys nest. */
    readonly actionSet: (results: Readonly<Record<string, string>>) => Effect.Effect<void, HookToolError>
    /** `action-fail -- <message>` */
    readonly actionFail: (message: string) => Effect.Effect<void, HookToolError>
    /** `action-log -- <message>` */
    readonly actionLog: (message: string) => Effect.Effect<void, HookToolError>
    /** `juju-log --log-level <level> -- <message>` */
    readonly jujuLog: (args: {
      readonly level: "DEBUG" | "INFO" | "WARNING" | "ERROR"
      readonly message: string
    }) => Effect.Effect<void, HookToolError>
  }
>()("backup-integrator/layers/HookTools") {
  /** The live layer, running each tool with `run` (src/main.ts passes runTool). */
  static readonly layer = (run: RunTool) =>
    Layer.effect(
      HookTools,
      Effect.gen(function* () {
        const { hookToolTimeout, appName } = yield* JujuContext

        const noAnswer = (tool: string) =>
          new HookToolError({ tool, reason: `no answer after ${Duration.format(hookToolTimeout)}` })

        /** A tool's stdout, or why it failed (without echoing its input). */
        const printed = (tool: string, outcome: ToolOutcome) =>
          outcome._tag === "Printed"
            ? Effect.succeed(outcome.stdout)
            : Effect.fail(
                outcome._tag === "TimedOut"
                  ? noAnswer(tool)
                  : new HookToolError({ tool, reason: outcome.reason }),
              )

        const runToEnd = (tool: string, args: ReadonlyArray<string>, input?: string) =>
          Effect.suspend(() =>
            printed(tool, run(tool, args, { input, timeout: Duration.toMillis(hookToolTimeout) })),
          )

        /** A tool's `--format=json` output, which must match `schema`. */
        const decodeJson = <S extends Schema.Top & { readonly DecodingServices: never }>(
          tool: string,
          stdout: Effect.Effect<string, HookToolError>,
          schema: S,
          shape: string,
        ) =>
          stdout.pipe(
            Effect.flatMap((text) =>
              Effect.try({
                try: () => JSON.parse(text) as unknown,
                catch: () => new HookToolError({ tool, reason: "printed output that is not JSON" }),
              }),
            ),
            Effect.flatMap((json) =>
              Schema.decodeUnknownEffect(schema)(json).pipe(
                Effect.mapError(
                  () => new HookToolError({ tool, reason: `printed JSON that is not ${shape}` }),
                ),
              ),
            ),
          )

        const runJson = <S extends Schema.Top & { readonly DecodingServices: never }>(
          tool: string,
          args: ReadonlyArray<string>,
          schema: S,
          shape: string,
        ) => decodeJson(tool, runToEnd(tool, args), schema, shape)

        /** Runs a tool that prints nothing when it works: anything on stdout means it did not. */
        const runQuiet = (tool: string, args: ReadonlyArray<string>, input?: string) =>
          runToEnd(tool, args, input).pipe(
            Effect.flatMap((stdout) =>
              stdout.trim() === ""
                ? Effect.void
                : Effect.fail(new HookToolError({ tool, reason: "printed output where none was expected" })),
            ),
          )

        return HookTools.of({
          configGet: () => runJson("config-get", ["--format=json"], JsonObject, "an object"),
          isLeader: () => runJson("is-leader", ["--format=json"], Schema.Boolean, "a boolean"),
          relationIds: (endpoint) =>
            runJson(
              "relation-ids",
              [endpoint, "--format=json"],
              Schema.Array(RelationId),
              "a list of relation ids",
            ),
          relationGet: ({ id, app }) =>
            runJson(
              "relation-get",
              ["--format=json", "-r", id, "--app", "-", app],
              Databag,
              "an object of strings",
            ),
          unitRelationGet: ({ id, unit }) =>
            runJson("relation-get", ["--format=json", "-r", id, "-", unit], Databag, "an object of strings"),
          unitRelationSet: ({ id, data }) =>
            runQuiet("relation-set", ["-r", id, "--file", "-"], JSON.stringify(data)),
          relationSet: ({ id, data }) =>
            runQuiet("relation-set", ["-r", id, "--app", "--file", "-"], JSON.stringify(data)),
          statusSet: ({ status, message }) =>
            runQuiet("status-set", ["--application=False", status, "--", message]),
          secretGet: ({ uri, refresh }) =>
            Effect.suspend(
              (): Effect.Effect<Readonly<Record<string, string>>, HookToolError | SecretUnreadable> => {
                const args = [uri, "--format=json", ...(refresh ? ["--refresh"] : [])]
                const outcome = run("secret-get", args, {
                  input: undefined,
                  timeout: Duration.toMillis(hookToolTimeout),
                })
                // Exit 1 is a run error (2 would be this charm's own misuse of the flags): a
                // refusal only in the words above.
                if (
                  outcome._tag === "Failed" &&
                  String(outcome.exitStatus) === "1" &&
                  secretRefused.test(outcome.reason)
                )
                  return Effect.fail(new SecretUnreadable({ uri, app: appName, reason: outcome.reason }))
                // The values are credentials: a shape error names the shape only.
                return decodeJson(
                  "secret-get",
                  printed("secret-get", outcome),
                  Databag,
                  "an object of strings",
                )
              },
            ),
          actionGet: () => runJson("action-get", ["--format=json"], JsonObject, "an object"),
          actionSet: (results) =>
            runQuiet(
              "action-set",
              Object.entries(results).map(([key, value]) => `${key}=${value}`),
            ),
          actionFail: (message) => runQuiet("action-fail", ["--", message]),
          actionLog: (message) => runQuiet("action-log", ["--", message]),
          jujuLog: ({ level, message }) => runQuiet("juju-log", ["--log-level", level, "--", message]),
        })
      }),
    )
}
