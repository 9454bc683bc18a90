import * as NodeChildProcessSpawner from "@effect/platform-node/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as PlatformError from "effect/PlatformError"
import { ChildProcess, ChildProcessSpawner } from "effect/process"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { Databag } from "../domain/backup-spec.ts"
import { HookToolError } from "../domain/failures.ts"
import type { UnitStatus } from "../domain/unit-status.ts"
import { JujuContext } from "./JujuContext.ts"

/** `backup:2`: checked before it is passed back to a tool, so it can never read as a flag. */
export const RelationId = Schema.String.check(Schema.isPattern(/^[a-z][a-z0-9-]*:\d+$/))

const JsonObject = Schema.Record(Schema.String, Schema.Unknown)

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
    /** `relation-set -r <id> --app --file -`, the mapping on stdin; `""` deletes a key. */
    readonly relationSet: (args: {
      readonly id: string
      readonly data: Databag
    }) => Effect.Effect<void, HookToolError>
    /** `status-set --application=False <status> -- <message>` */
    readonly statusSet: (status: UnitStatus) => Effect.Effect<void, HookToolError>
    /** `juju-log --log-level <level> -- <message>` */
    readonly jujuLog: (args: {
      readonly level: "DEBUG" | "INFO" | "WARNING" | "ERROR"
      readonly message: string
    }) => Effect.Effect<void, HookToolError>
  }
>()("backup-integrator/layers/HookTools") {
  static readonly layerNoDeps = Layer.effect(
    HookTools,
    Effect.gen(function* () {
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      const { hookToolTimeout } = yield* JujuContext
      const encoder = new TextEncoder()

      const collect = (stream: Stream.Stream<Uint8Array, PlatformError.PlatformError>) =>
        stream.pipe(Stream.decodeText(), Stream.mkString)

      /** Runs a tool to completion: its stdout, or why it failed (without echoing input). */
      const run = (tool: string, args: ReadonlyArray<string>, input?: string) =>
        Effect.gen(function* () {
          const handle = yield* spawner.spawn(
            ChildProcess.make(tool, args, {
              stdin: input === undefined ? "ignore" : Stream.succeed(encoder.encode(input)),
              detached: false,
              forceKillAfter: Duration.seconds(1),
            }),
          )
          const [stdout, stderr, exitCode] = yield* Effect.all(
            [collect(handle.stdout), collect(handle.stderr), handle.exitCode],
            { concurrency: "unbounded" },
          )
          if (exitCode !== 0) {
            const detail = stderr.trim().split("\n").at(-1)?.slice(0, 300)
            return yield* new HookToolError({
              tool,
              reason: `exited with status ${exitCode}${detail ? `: ${detail}` : ""}`,
            })
          }
          return stdout
        }).pipe(
          Effect.scoped,
          Effect.catchTag("PlatformError", (error) =>
            Effect.fail(
              new HookToolError({
                tool,
                reason: error.reason._tag === "NotFound" ? "not found on PATH" : error.message,
              }),
            ),
          ),
          Effect.timeoutOrElse({
            duration: hookToolTimeout,
            orElse: () =>
              Effect.fail(
                new HookToolError({ tool, reason: `no answer after ${Duration.format(hookToolTimeout)}` }),
              ),
          }),
        )

      /** Runs a tool whose `--format=json` output must match `schema`. */
      const runJson = <S extends Schema.Top & { readonly DecodingServices: never }>(
        tool: string,
        args: ReadonlyArray<string>,
        schema: S,
        shape: string,
      ) =>
        run(tool, args).pipe(
          Effect.flatMap((stdout) =>
            Effect.try({
              try: () => JSON.parse(stdout) as unknown,
              catch: () => new HookToolError({ tool, reason: "printed output that is not JSON" }),
            }),
          ),
          Effect.flatMap((json) =>
            Schema.decodeUnknownEffect(schema)(json).pipe(
              Effect.mapError(() => new HookToolError({ tool, reason: `printed JSON that is not ${shape}` })),
            ),
          ),
        )

      /** Runs a tool that prints nothing when it works: anything on stdout means it did not. */
      const runQuiet = (tool: string, args: ReadonlyArray<string>, input?: string) =>
        run(tool, args, input).pipe(
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
        relationSet: ({ id, data }) =>
          runQuiet("relation-set", ["-r", id, "--app", "--file", "-"], JSON.stringify(data)),
        statusSet: ({ status, message }) =>
          runQuiet("status-set", ["--application=False", status, "--", message]),
        jujuLog: ({ level, message }) => runQuiet("juju-log", ["--log-level", level, "--", message]),
      })
    }),
  )

  static readonly layer = HookTools.layerNoDeps.pipe(
    Layer.provide(NodeChildProcessSpawner.layer),
    Layer.provide([NodeFileSystem.layer, NodePath.layer]),
  )
}
