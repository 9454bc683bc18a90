// Runs the packed charm's dispatch as Juju does, against the hook-tool emulator.
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { type EmulatorState, initialState, readState, stateVariable, writeState } from "../emulator/state.ts"

export const charmDir = resolve("build/charm")
const emulatorBin = resolve("test/emulator/bin")

export interface HookResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly state: EmulatorState
}

/** One unit of the charm on its own emulated machine: a state file and a scripts root. */
export class CharmUnit {
  readonly dir = mkdtempSync(join(tmpdir(), "backup-integrator-e2e-"))
  readonly stateFile = join(this.dir, "state.json")
  /** Stands for `/opt` on this unit's machine. */
  readonly optDir = join(this.dir, "opt")
  readonly unitName: string

  constructor(state: Partial<EmulatorState> = {}, unitName = "backup-integrator/0") {
    this.unitName = unitName
    writeState(this.stateFile, initialState(state))
  }

  get state(): EmulatorState {
    return readState(this.stateFile)
  }

  update(change: (state: EmulatorState) => void): void {
    const state = this.state
    change(state)
    writeState(this.stateFile, state)
  }

  scriptPath(option: string): string {
    return `${this.optDir}/backup-integrator-charm/${this.unitName.split("/")[0]}/scripts/${option}`
  }

  /** Runs one event; relation events get Juju's relation variables. Clears the call log first. */
  hook(event: string, relationId?: string, extraEnv: Record<string, string> = {}): HookResult {
    this.update((state) => {
      state.calls = []
      state.logs = []
    })
    const relation = relationId === undefined ? undefined : this.state.relations[relationId]
    const env: Record<string, string> = {
      PATH: `${emulatorBin}:${dirname(process.execPath)}:/usr/bin:/bin`,
      [stateVariable]: this.stateFile,
      BACKUP_INTEGRATOR_OPT_DIR: this.optDir,
      JUJU_DISPATCH_PATH: `hooks/${event}`,
      JUJU_HOOK_NAME: event,
      JUJU_UNIT_NAME: this.unitName,
      JUJU_CHARM_DIR: charmDir,
      JUJU_MODEL_NAME: "test",
      JUJU_MODEL_UUID: "2a2fb8a6-7a2c-4e8e-8f4e-0d3f1c2b9e11",
      JUJU_VERSION: "3.6.4",
      JUJU_MACHINE_ID: "0",
      JUJU_PRINCIPAL_UNIT: "ubuntu/0",
      JUJU_CONTEXT_ID: `${this.unitName}-${event}-1`,
      ...(relationId === undefined || relation === undefined
        ? {}
        : {
            JUJU_RELATION: relation.endpoint,
            JUJU_RELATION_ID: relationId,
            JUJU_REMOTE_APP: relation.remoteApp,
            ...(event.endsWith("-broken") ? {} : { JUJU_REMOTE_UNIT: relation.remoteUnits[0] ?? "" }),
          }),
      ...extraEnv,
    }
    const result = spawnSync(join(charmDir, "dispatch"), [], {
      cwd: charmDir,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    })
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, state: this.state }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true })
  }
}

export const backupRelation = (data: Record<string, string> = {}) => ({
  endpoint: "backup",
  remoteApp: "bacula-fd",
  remoteUnits: ["bacula-fd/0"],
  data: { "backup-integrator": data },
})
