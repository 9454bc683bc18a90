// The emulated Juju model seen by one unit, kept in a JSON file between hook-tool calls.
import { readFileSync, renameSync, writeFileSync } from "node:fs"
import { withChanges } from "./juju-rules.ts"

export interface Relation {
  readonly endpoint: string
  readonly remoteApp: string
  readonly remoteUnits: Array<string>
  /** Databags by application or unit name, as committed. */
  readonly data: Record<string, Record<string, string>>
  /** Being removed: once it has no remote unit left, `relation-ids` no longer lists it. */
  readonly dying?: boolean
}

/** A bag's changes made by `relation-set` in the running hook: `""` deletes a key. */
export type Changes = Record<string, Record<string, Record<string, string>>>

/** A fault a tool is made to show instead of doing its work. */
export type Fault =
  | { readonly exit: number; readonly stderr?: string }
  | { readonly stdout: string }
  | { readonly hang: true }

/** The action a hook runs (`juju run <unit> <action>`), and what it reported. */
export interface ActionRun {
  readonly name: string
  readonly params: Record<string, unknown>
  /** As `action-set` nested them. */
  results: Record<string, unknown>
  /** `action-fail`'s message, once called. */
  failed?: string
  logs: Array<string>
}

/** A Juju user secret (`juju add-secret`), by URI `secret:<id>`. */
export interface Secret {
  /** Each revision's content, the first being revision 1 (`juju update-secret` adds one). */
  readonly revisions: Array<Record<string, string>>
  /** `juju grant-secret <secret> <this application>` was run (and not revoked). */
  granted: boolean
  /** `juju remove-secret`: gone. */
  removed?: boolean
}

export interface EmulatorState {
  leader: boolean
  config: Record<string, string>
  relations: Record<string, Relation>
  status: { status: string; message: string }
  logs: Array<{ level: string; message: string }>
  /** Every call made, as argv (tool name first). */
  calls: Array<Array<string>>
  faults: Record<string, Fault>
  /**
   * What `relation-set` wrote in the running hook, by relation id and bag owner. Juju commits
   * it when the hook exits 0 and discards it otherwise: see {@link settleHook}.
   */
  uncommitted: Changes
  secrets: Record<string, Secret>
  /** The revision of each secret this unit tracks (its first read, or its last `--refresh`). */
  tracked: Record<string, number>
  /** Set by the test that runs an action's hook. */
  action?: ActionRun
}

export const stateVariable = "HOOK_TOOL_EMULATOR_STATE"

/** The application this project's tests run: its databag is the one the charm writes. */
export const charmApp = "backup-integrator"

/** The charm's application databag in a relation, as committed. */
export const appBag = (state: EmulatorState, relationId: string): Record<string, string> | undefined =>
  state.relations[relationId]?.data[charmApp]

export const initialState = (overrides: Partial<EmulatorState> = {}): EmulatorState => ({
  leader: true,
  config: {},
  relations: {},
  status: { status: "unknown", message: "" },
  logs: [],
  calls: [],
  faults: {},
  uncommitted: {},
  secrets: {},
  tracked: {},
  ...overrides,
})

/**
 * What Juju does once a hook has ended: relation data it wrote is committed if it exited 0,
 * discarded otherwise (a failed or killed hook). Status and logs took effect at once.
 */
export const settleHook = (file: string, exitCode: number | null): EmulatorState => {
  const state = readState(file)
  if (exitCode === 0) {
    for (const [id, owners] of Object.entries(state.uncommitted)) {
      const relation = state.relations[id]
      if (relation === undefined) continue
      for (const [owner, changes] of Object.entries(owners)) {
        relation.data[owner] = withChanges(relation.data[owner] ?? {}, changes)
      }
    }
  }
  state.uncommitted = {}
  writeState(file, state)
  return state
}

export const readState = (file: string): EmulatorState => JSON.parse(readFileSync(file, "utf8"))

export const writeState = (file: string, state: EmulatorState): void => {
  writeFileSync(`${file}.new`, JSON.stringify(state, null, 1))
  renameSync(`${file}.new`, file)
}
