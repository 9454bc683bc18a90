// Test layers: an in-memory Juju model behind HookTools, and the real ScriptStore over an
// in-memory FileSystem. With them the programs run with no process and no disk.
import { Context, Duration, Effect, Layer, Option, Ref, Schema } from "effect"
import type { Databag } from "../../src/domain/backup-spec.ts"
import { HookToolError, SecretUnreadable } from "../../src/domain/failures.ts"
import {
  keptMetricsDirectoriesPath,
  operatorScriptPath,
  runnerInterpreter,
  runnerSettingsPath,
  runsDirectory,
} from "../../src/domain/machine-paths.ts"
import { KeptMetricsDirectories, metricsFileName } from "../../src/domain/metrics-directory.ts"
import { type ScriptOption, scriptOptions } from "../../src/domain/options.ts"
import type { RunRecord } from "../../src/domain/run-record.ts"
import { RunnerSettings } from "../../src/domain/runner-settings.ts"
import type { UnitStatus } from "../../src/domain/unit-status.ts"
import { diskServices } from "../../src/layers/disk-services.ts"
import { HookTools } from "../../src/layers/HookTools.ts"
import { hookToolServices } from "../../src/layers/hook-tool-services.ts"
import { JujuContext } from "../../src/layers/JujuContext.ts"
import { type MetricsAnswer, ScriptRunner } from "../../src/layers/ScriptRunner.ts"
import {
  listedRelationIds,
  notInAction,
  permissionDenied,
  restrictedContextRefusal,
  restrictedEvents,
  withChanges,
} from "../emulator/juju-rules.ts"
import {
  fileContent,
  type MemoryDisk,
  memoryDisk,
  memoryFileSystemLayer,
  putFile,
} from "./memory-file-system.ts"
import { runRecord } from "./run-record.ts"

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
  /** The machine's disk, which the real ScriptStore works on. */
  readonly disk: MemoryDisk & { readonly uid: number }
  /** Hook tools made to fail. */
  readonly failing?: ReadonlyArray<string>
  /** The action the hook runs (`event` is then its name), and what it set. */
  readonly action?: FakeAction
  /** Juju user secrets by URI: their content, and whether this application was granted them. */
  readonly secrets?: Readonly<
    Record<string, { readonly granted: boolean; readonly content: Record<string, string> }>
  >
  /** Each `secret-get`, in order: which secret, and whether with `--refresh`. */
  readonly secretGets?: ReadonlyArray<{ readonly uri: string; readonly refresh: boolean }>
  /** This unit's databag in each `cos-agent` relation, by relation id. */
  readonly cosAgent?: Readonly<Record<string, Databag>>
  /** Each runner asked to write the metrics (`--write-metrics`), in order. */
  readonly metricsWrites?: ReadonlyArray<string>
  /** Each runner asked to delete the metrics files (`--remove-metrics`), in order. */
  readonly metricsRemovals?: ReadonlyArray<string>
  /** What the runner says when asked to write or delete them; by default nothing. */
  readonly metricsAnswer?: MetricsAnswer
  /**
   * How a script the `run-script` action starts ends: what the runner records of it;
   * `recorded: false`, the runner could not write the record (the process's exit is all).
   */
  readonly scriptRun?: Pick<RunRecord, "exitStatus" | "signal" | "timedOut" | "output"> & {
    readonly outputBytes?: number
    readonly recorded?: false
  }
}

export interface FakeAction {
  readonly name: string
  readonly params: Readonly<Record<string, unknown>>
  readonly results: Readonly<Record<string, string>>
  readonly failed?: string
  readonly logs: ReadonlyArray<string>
}

/** A record as the runner saves it, named by its sequence number (by default, its end in ms, as runners before sequence numbers named it). */
export const putRunRecord = (
  disk: MemoryDisk & { readonly uid: number },
  record: RunRecord,
  sequence = Date.parse(record.ended),
) =>
  putFile(
    disk,
    `${runsDirectory(optDir, appName, record.script)}/${String(sequence).padStart(13, "0")}-${record.pid}.json`,
    JSON.stringify(record),
    0o600,
  )

/** The scripts installed on `disk`, by option. */
export const installedScripts = (disk: MemoryDisk): Partial<Record<ScriptOption, string>> =>
  Object.fromEntries(
    scriptOptions.flatMap((option) => {
      const content = fileContent(disk, operatorScriptPath(optDir, appName, option))
      return content === undefined ? [] : [[option, content]]
    }),
  )

/** A machine's disk as the charm finds it: the runner's interpreter is there. */
const machineDisk = () => {
  const disk = memoryDisk()
  putFile(disk, runnerInterpreter, "", 0o755)
  return disk
}

/** A disk on which every write fails: no space left. */
export const fullDisk = () =>
  Object.assign(machineDisk(), {
    fault: (operation: string) => (operation === "write" ? ("ENOSPC" as const) : undefined),
  })

export const model = (overrides: Partial<FakeModel> = {}): FakeModel => ({
  event: "config-changed",
  leader: true,
  config: {},
  relations: {},
  logs: [],
  calls: [],
  disk: machineDisk(),
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
              reason: `exited with status 1: ERROR ${restrictedContextRefusal}`,
            }),
            recorded,
          ]
        }
        const result = f(recorded)
        return result instanceof HookToolError ? [result, recorded] : result
      }).pipe(Effect.flatMap((r) => (r instanceof HookToolError ? Effect.fail(r) : Effect.succeed(r as A))))
    /** As Juju: the action tools work in an action's hook only. */
    const inAction = <A>(tool: string, f: (action: FakeAction, m: FakeModel) => readonly [A, FakeModel]) =>
      call(tool, (m) =>
        m.action === undefined
          ? new HookToolError({ tool, reason: `exited with status 1: ERROR ${notInAction}` })
          : f(m.action, m),
      )
    const denied = (tool: string) =>
      new HookToolError({ tool, reason: `exited with status 1: ERROR ${permissionDenied}` })

    return HookTools.of({
      configGet: () => call("config-get", (m) => [m.config, m]),
      isLeader: () => call("is-leader", (m) => [m.leader, m]),
      relationIds: (endpoint) =>
        call("relation-ids", (m) => [
          endpoint === "backup"
            ? listedRelationIds(m.relations)
            : endpoint === "cos-agent"
              ? listedRelationIds(m.cosAgent ?? {})
              : [],
          m,
        ]),
      unitRelationGet: ({ id, unit }) =>
        call("relation-get", (m) => [unit === `${appName}/0` ? (m.cosAgent?.[id] ?? {}) : {}, m]),
      unitRelationSet: ({ id, data }) =>
        call("relation-set", (m) => [
          undefined,
          { ...m, cosAgent: { ...m.cosAgent, [id]: withChanges(m.cosAgent?.[id] ?? {}, data) } },
        ]),
      relationGet: ({ id, app }) =>
        call("relation-get", (m) =>
          !m.leader || app !== appName ? denied("relation-get") : [m.relations[id] ?? {}, m],
        ),
      relationSet: ({ id, data }) =>
        call("relation-set", (m) => {
          if (!m.leader) return denied("relation-set")
          const bag = withChanges(m.relations[id] ?? {}, data)
          return [undefined, { ...m, relations: { ...m.relations, [id]: bag } }]
        }),
      secretGet: ({ uri, refresh }) =>
        call<Record<string, string> | SecretUnreadable>("secret-get", (m) => {
          const secret = m.secrets?.[uri]
          const read = { ...m, secretGets: [...(m.secretGets ?? []), { uri, refresh }] }
          if (secret === undefined || !secret.granted) {
            const reason = `exited with status 1: ERROR ${secret === undefined ? `secret "${uri.slice(7)}" not found` : permissionDenied}`
            return [new SecretUnreadable({ uri, app: appName, reason }), read] as const
          }
          return [secret.content, read] as const
        }).pipe(
          Effect.flatMap((r) =>
            r instanceof SecretUnreadable
              ? Effect.fail(r)
              : Effect.succeed(r as Readonly<Record<string, string>>),
          ),
        ),
      actionGet: () => inAction("action-get", (action, m) => [action.params, m]),
      actionSet: (results) =>
        inAction("action-set", (action, m) => [
          undefined,
          { ...m, action: { ...action, results: { ...action.results, ...results } } },
        ]),
      actionFail: (failed) =>
        inAction("action-fail", (action, m) => [undefined, { ...m, action: { ...action, failed } }]),
      actionLog: (line) =>
        inAction("action-log", (action, m) => [
          undefined,
          { ...m, action: { ...action, logs: [...action.logs, line] } },
        ]),
      statusSet: (status) => call("status-set", (m) => [undefined, { ...m, status }]),
      jujuLog: ({ level, message }) =>
        call("juju-log", (m) => [undefined, { ...m, logs: [...m.logs, { level, message }] }]),
    })
  }),
)

const jujuContextTest = Layer.effect(
  JujuContext,
  Effect.map(Effect.flatMap(FakeState, Ref.get), ({ event, relationId, action }) =>
    JujuContext.of({
      event,
      action: action?.name,
      appName,
      unitNumber: 0,
      relationId,
      modelName: "test",
      modelUuid: "2a2fb8a6-7a2c-4e8e-8f4e-0d3f1c2b9e11",
      optDir,
      hookToolTimeout: Duration.seconds(60),
    }),
  ),
)

/** A JSON file of the charm's or the runner's, read with its schema; none when it is not one. */
const readJson = <S extends Schema.Codec<unknown, unknown>>(m: FakeModel, schema: S, path: string) =>
  Schema.decodeUnknownOption(Schema.fromJsonString(schema))(fileContent(m.disk, path))
const settingsOf = (m: FakeModel): { readonly metricsDirectories?: ReadonlyArray<string> } =>
  Option.getOrElse(readJson(m, RunnerSettings, runnerSettingsPath(optDir, appName)), () => ({}))
const keptOf = (m: FakeModel): ReadonlyArray<string> =>
  Option.match(readJson(m, KeptMetricsDirectories, keptMetricsDirectoriesPath(optDir, appName)), {
    onNone: () => [],
    onSome: ({ directories }) => directories,
  })
const keep = (m: FakeModel, directories: ReadonlyArray<string>) =>
  putFile(m.disk, keptMetricsDirectoriesPath(optDir, appName), JSON.stringify({ directories }), 0o600)
const deleteMetricsFile = (m: FakeModel, directory: string) =>
  m.disk.entries.delete(`${directory}/${metricsFileName(appName)}`)
const answerOf = (m: FakeModel): MetricsAnswer => m.metricsAnswer ?? { said: [], tryAgain: false }

/** The runner, as far as the program sees it: it runs, and leaves its record on the disk. */
const scriptRunnerTest = Layer.effect(
  ScriptRunner,
  Effect.map(FakeState, (state) =>
    ScriptRunner.of({
      // As the runner: the file in each directory its settings list that exists, kept in its
      // list; deleted from each kept directory no longer listed.
      writeMetrics: (runner) =>
        Ref.modify(state, (m) => {
          const listed: ReadonlyArray<string> = settingsOf(m).metricsDirectories ?? []
          const kept = keptOf(m)
          for (const directory of kept.filter((d) => !listed.includes(d))) deleteMetricsFile(m, directory)
          const written = listed.filter((d) => m.disk.entries.get(d)?.type === "Directory")
          for (const directory of written)
            putFile(m.disk, `${directory}/${metricsFileName(appName)}`, "# metrics\n")
          keep(m, [...new Set([...kept.filter((d) => listed.includes(d)), ...written])])
          return [answerOf(m), { ...m, metricsWrites: [...(m.metricsWrites ?? []), runner] }]
        }),
      removeMetrics: (runner) =>
        Ref.modify(state, (m) => {
          for (const directory of new Set([...keptOf(m), ...(settingsOf(m).metricsDirectories ?? [])]))
            deleteMetricsFile(m, directory)
          keep(m, [])
          return [answerOf(m), { ...m, metricsRemovals: [...(m.metricsRemovals ?? []), runner] }]
        }),
      run: (runner) =>
        Effect.gen(function* () {
          const { scriptRun, disk } = yield* Ref.get(state)
          const option = runner.slice(runner.lastIndexOf("/") + 1) as ScriptOption
          const record = runRecord(option, "2026-12-01T03:00:00.000Z", scriptRun)
          if (scriptRun?.recorded !== false) putRunRecord(disk, record)
          return {
            pid: record.pid,
            exitStatus: record.exitStatus,
            signal: record.signal,
            output: record.output,
          }
        }),
    }),
  ),
)

/** The program's services over the fake model; `FakeState` stays reachable for assertions. */
export const testLayer = (initial: FakeModel) =>
  Layer.mergeAll(
    hookToolServices,
    diskServices.pipe(Layer.provide(memoryFileSystemLayer(initial.disk))),
    scriptRunnerTest,
  ).pipe(
    Layer.provideMerge(hookToolsTest),
    Layer.provideMerge(jujuContextTest),
    Layer.provideMerge(Layer.effect(FakeState, Ref.make(initial))),
  )
