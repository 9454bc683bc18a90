// Test layers: an in-memory Juju model behind HookTools, and an in-memory ScriptStore.
// With them the programs run with no process and no disk.
import { Context, Duration, Effect, Layer, Ref } from "effect"
import type { Databag } from "../../src/domain/backup-spec.ts"
import { restrictedEvents } from "../../src/domain/events.ts"
import { HookToolError, ScriptStoreError } from "../../src/domain/failures.ts"
import type { ScriptOption } from "../../src/domain/options.ts"
import { scriptOptions } from "../../src/domain/options.ts"
import { scriptPath } from "../../src/domain/script-paths.ts"
import type { UnitStatus } from "../../src/domain/unit-status.ts"
import { HookTools } from "../../src/layers/HookTools.ts"
import { hookToolServices } from "../../src/layers/hook-tool-services.ts"
import { JujuContext } from "../../src/layers/JujuContext.ts"
import { ScriptStore } from "../../src/layers/ScriptStore.ts"

export const optDir = "/opt"
export const appName = "backup-integrator"

export interface FakeModel {
  readonly event: string
  readonly relationId?: string
  readonly leader: boolean
  readonly config: Readonly<Record<string, unknown>>
  /** This application's databag in each relation, by relation id. */
  readonly relations: Readonly<Record<string, Databag>>
  readonly status?: UnitStatus
  readonly logs: ReadonlyArray<{ readonly level: string; readonly message: string }>
  /** Hook tools called, in order. */
  readonly calls: ReadonlyArray<string>
  /** Installed scripts by option. */
  readonly scripts: Readonly<Partial<Record<ScriptOption, string>>>
  /** Hook tools made to fail. */
  readonly failing?: ReadonlyArray<string>
  readonly diskFull?: boolean
}

export const model = (overrides: Partial<FakeModel> = {}): FakeModel => ({
  event: "config-changed",
  leader: true,
  config: {},
  relations: {},
  logs: [],
  calls: [],
  scripts: {},
  ...overrides,
})

export class FakeState extends Context.Service<FakeState, Ref.Ref<FakeModel>>()("test/FakeState") {}

const hookToolsTest = Layer.effect(
  HookTools,
  Effect.gen(function* () {
    const state = yield* FakeState
    /** Records the call, fails it if asked to, else applies `f` to the model. */
    const call = <A>(tool: string, f: (m: FakeModel) => readonly [A, FakeModel] | HookToolError) =>
      Ref.modify(state, (m): readonly [A | HookToolError, FakeModel] => {
        const recorded = { ...m, calls: [...m.calls, tool] }
        if (m.failing?.includes(tool)) {
          return [new HookToolError({ tool, reason: "exited with status 1: ERROR injected" }), recorded]
        }
        // As Juju: in a restricted context every tool the charm uses but juju-log refuses.
        if (restrictedEvents.has(m.event) && tool !== "juju-log") {
          return [
            new HookToolError({
              tool,
              reason: "exited with status 1: ERROR not implemented for restricted context",
            }),
            recorded,
          ]
        }
        const result = f(recorded)
        return result instanceof HookToolError ? [result, recorded] : result
      }).pipe(Effect.flatMap((r) => (r instanceof HookToolError ? Effect.fail(r) : Effect.succeed(r as A))))
    const denied = (tool: string) =>
      new HookToolError({ tool, reason: "exited with status 1: ERROR permission denied" })

    return HookTools.of({
      configGet: () => call("config-get", (m) => [m.config, m]),
      isLeader: () => call("is-leader", (m) => [m.leader, m]),
      relationIds: (endpoint) =>
        // Sorted as strings, as Juju sorts them: backup:10 before backup:2.
        call("relation-ids", (m) => [endpoint === "backup" ? Object.keys(m.relations).sort() : [], m]),
      relationGet: ({ id, app }) =>
        call("relation-get", (m) =>
          !m.leader || app !== appName ? denied("relation-get") : [m.relations[id] ?? {}, m],
        ),
      relationSet: ({ id, data }) =>
        call("relation-set", (m) => {
          if (!m.leader) return denied("relation-set")
          const bag: Record<string, string> = { ...m.relations[id] }
          for (const [key, value] of Object.entries(data)) {
            if (value === "") delete bag[key]
            else bag[key] = value
          }
          return [undefined, { ...m, relations: { ...m.relations, [id]: bag } }]
        }),
      statusSet: (status) => call("status-set", (m) => [undefined, { ...m, status }]),
      jujuLog: ({ level, message }) =>
        call("juju-log", (m) => [undefined, { ...m, logs: [...m.logs, { level, message }] }]),
    })
  }),
)

const scriptStoreTest = Layer.effect(
  ScriptStore,
  Effect.gen(function* () {
    const state = yield* FakeState
    const diskFull = (path: string) =>
      Effect.flatMap(Ref.get(state), (m) =>
        m.diskFull
          ? Effect.fail(
              new ScriptStoreError({ operation: "write", path, reason: "ENOSPC: no space left on device" }),
            )
          : Effect.void,
      )
    const pathOf = (option: ScriptOption) => scriptPath(optDir, appName, option)
    return ScriptStore.of({
      install: (scripts) =>
        diskFull(`${optDir}/backup-integrator-charm`).pipe(
          Effect.andThen(
            Ref.update(state, (m) => ({
              ...m,
              scripts: {
                ...m.scripts,
                ...Object.fromEntries(scripts.map(({ option, content }) => [option, content])),
              },
            })),
          ),
          Effect.as(scripts.map(({ option }) => ({ option, path: pathOf(option) }))),
        ),
      withdraw: (keep) =>
        Ref.update(state, (m) => ({
          ...m,
          scripts: Object.fromEntries(
            scriptOptions.flatMap((option) =>
              m.scripts[option] !== undefined && keep.includes(pathOf(option))
                ? [[option, m.scripts[option]]]
                : [],
            ),
          ),
        })),
      removeAll: Ref.update(state, (m) => ({ ...m, scripts: {} })),
    })
  }),
)

const jujuContextTest = Layer.effect(
  JujuContext,
  Effect.map(Effect.flatMap(FakeState, Ref.get), ({ event, relationId }) =>
    JujuContext.of({
      event,
      appName,
      unitNumber: 0,
      relationId,
      optDir,
      hookToolTimeout: Duration.seconds(60),
    }),
  ),
)

/** The program's services over the fake model; `FakeState` stays reachable for assertions. */
export const testLayer = (initial: FakeModel) =>
  Layer.mergeAll(hookToolServices, scriptStoreTest).pipe(
    Layer.provideMerge(hookToolsTest),
    Layer.provideMerge(jujuContextTest),
    Layer.provideMerge(Layer.effect(FakeState, Ref.make(initial))),
  )
