// The environment Juju gives a hook (../juju-hook-contract facts, in docs/explanation.md), for
// a unit run against the hook-tool emulator: the tests, `npm run bench` and `npm run simulate`.
import { dirname, resolve } from "node:path"
import { stateVariable } from "../emulator/state.ts"

/** The emulated hook tools, first on PATH; then this Node, for the emulator itself. */
export const emulatorPath = () => `${resolve("test/emulator/bin")}:${dirname(process.execPath)}:/usr/bin:/bin`

export interface HookContext {
  readonly event: string
  readonly unitName: string
  readonly charm: string
  /** The emulator's state of this unit's model. */
  readonly stateFile: string
  /** Stands for `/opt` on the unit's machine. */
  readonly optDir: string
  /** In an action's hook (`event` is then the action's name). */
  readonly action?: boolean
  /** On relation events: the relation, as Juju names it in the environment. */
  readonly relation?: {
    readonly id: string
    readonly endpoint: string
    readonly remoteApp: string
    readonly remoteUnit: string
  }
}

/** Juju's environment for one event of a unit. */
export const jujuEnv = ({
  event,
  unitName,
  charm,
  stateFile,
  optDir,
  action,
  relation,
}: HookContext): Record<string, string> => ({
  PATH: emulatorPath(),
  [stateVariable]: stateFile,
  BACKUP_INTEGRATOR_OPT_DIR: optDir,
  ...(action
    ? {
        JUJU_DISPATCH_PATH: `actions/${event}`,
        JUJU_ACTION_NAME: event,
        JUJU_ACTION_UUID: "4f3a6c1e-2b7d-4e8a-9c5f-1d2e3f4a5b6c",
      }
    : { JUJU_DISPATCH_PATH: `hooks/${event}`, JUJU_HOOK_NAME: event }),
  JUJU_UNIT_NAME: unitName,
  JUJU_CHARM_DIR: charm,
  JUJU_MODEL_NAME: "test",
  JUJU_MODEL_UUID: "2a2fb8a6-7a2c-4e8e-8f4e-0d3f1c2b9e11",
  JUJU_VERSION: "3.6.4",
  JUJU_MACHINE_ID: "0",
  JUJU_PRINCIPAL_UNIT: "ubuntu/0",
  JUJU_CONTEXT_ID: `${unitName}-${event}-1`,
  ...(relation === undefined
    ? {}
    : {
        JUJU_RELATION: relation.endpoint,
        JUJU_RELATION_ID: relation.id,
        JUJU_REMOTE_APP: relation.remoteApp,
        // Set, but empty, on -created and -broken.
        JUJU_REMOTE_UNIT: event.endsWith("-broken") || event.endsWith("-created") ? "" : relation.remoteUnit,
      }),
})
