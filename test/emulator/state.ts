// The emulated Juju model seen by one unit, kept in a JSON file between hook-tool calls.
import { readFileSync, renameSync, writeFileSync } from "node:fs"

export interface Relation {
  readonly endpoint: string
  readonly remoteApp: string
  readonly remoteUnits: Array<string>
  /** Databags by application or unit name. */
  readonly data: Record<string, Record<string, string>>
}

/** A fault a tool is made to show instead of doing its work. */
export type Fault =
  | { readonly exit: number; readonly stderr?: string }
  | { readonly stdout: string }
  | { readonly hang: true }

export interface EmulatorState {
  leader: boolean
  config: Record<string, string>
  relations: Record<string, Relation>
  status: { status: string; message: string }
  logs: Array<{ level: string; message: string }>
  /** Every call made, as argv (tool name first). */
  calls: Array<Array<string>>
  faults: Record<string, Fault>
}

export const stateVariable = "HOOK_TOOL_EMULATOR_STATE"

export const initialState = (overrides: Partial<EmulatorState> = {}): EmulatorState => ({
  leader: true,
  config: {},
  relations: {},
  status: { status: "unknown", message: "" },
  logs: [],
  calls: [],
  faults: {},
  ...overrides,
})

export const readState = (file: string): EmulatorState => JSON.parse(readFileSync(file, "utf8"))

export const writeState = (file: string, state: EmulatorState): void => {
  writeFileSync(`${file}.new`, JSON.stringify(state, null, 1))
  renameSync(`${file}.new`, file)
}
