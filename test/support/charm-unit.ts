// Runs the packed charm's dispatch as Juju does, against the hook-tool emulator.

import { AssertionError } from "node:assert"
import { spawn, spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parse } from "yaml"
import { actionRefusal } from "../emulator/action-params.ts"
import { type EmulatorState, initialState, readState, settleHook, writeState } from "../emulator/state.ts"
import { jujuEnv } from "./juju-env.ts"

export const charmDir = resolve("build/charm")

export interface HookResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly state: EmulatorState
}

/**
 * Asserts that a hook (or any process: `status` for spawnSync's results) exited 0; when it did
 * not, the failure says why with what it wrote on stderr (dispatch's one line, the program's
 * error), not only "expected 1 to equal 0". Every e2e test that expects success uses it.
 */
export const expectOk = (
  result: {
    readonly code?: number | null
    readonly status?: number | null
    readonly stderr: string | Buffer
  },
  what = "the hook",
): void => {
  const code = "code" in result ? result.code : result.status
  if (code === 0) return
  const stderr = result.stderr.toString().trimEnd()
  throw new AssertionError({
    message: `${what} exited ${code === null ? "on a signal" : code}, stderr:\n${stderr === "" ? "(empty)" : stderr}`,
  })
}

/** One unit of the charm on its own emulated machine: a state file and a scripts root. */
export class CharmUnit {
  readonly dir = mkdtempSync(join(tmpdir(), "backup-integrator-e2e-"))
  readonly stateFile = join(this.dir, "state.json")
  /** Stands for `/opt` on this unit's machine: another unit's when they share a machine. */
  readonly optDir: string
  readonly unitName: string
  /** The unpacked charm the unit runs: the build's, unless a test gives it a copy. */
  readonly charm: string

  constructor(
    state: Partial<EmulatorState> = {},
    unitName = "backup-integrator/0",
    charm = charmDir,
    optDir = join(this.dir, "opt"),
  ) {
    this.unitName = unitName
    this.charm = charm
    this.optDir = optDir
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

  /** The path published for a script: its runner's. */
  runnerPath(option: string): string {
    return `${this.optDir}/backup-integrator-charm/${this.unitName.split("/")[0]}/scripts/${option}`
  }

  /** Where the operator's script itself is installed, beside its runner. */
  operatorScript(option: string): string {
    return `${this.optDir}/backup-integrator-charm/${this.unitName.split("/")[0]}/operator-scripts/${option}`
  }

  /** Juju's environment for one event; relation events get the relation's variables. */
  env(event: string, relationId?: string, extraEnv: Record<string, string> = {}): Record<string, string> {
    const relation = relationId === undefined ? undefined : this.state.relations[relationId]
    return {
      ...jujuEnv({
        event,
        unitName: this.unitName,
        charm: this.charm,
        stateFile: this.stateFile,
        optDir: this.optDir,
        ...(relationId === undefined || relation === undefined
          ? {}
          : {
              relation: {
                id: relationId,
                endpoint: relation.endpoint,
                remoteApp: relation.remoteApp,
                remoteUnit: relation.remoteUnits[0] ?? "",
              },
            }),
      }),
      ...extraEnv,
    }
  }

  private clearLogs(): void {
    this.update((state) => {
      state.calls = []
      state.logs = []
    })
  }

  /**
   * Runs one event as Juju does, and then commits the relation data it wrote if it exited 0,
   * or discards it. Clears the call log first.
   */
  hook(event: string, relationId?: string, extraEnv: Record<string, string> = {}): HookResult {
    this.clearLogs()
    const result = spawnSync(join(this.charm, "dispatch"), [], {
      cwd: this.charm,
      env: this.env(event, relationId, extraEnv),
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    })
    const state = settleHook(this.stateFile, result.status)
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, state }
  }

  /**
   * Runs an action as `juju run <unit> <name> key=value…` does: its hook, with `params`; the
   * action's results, failure and log are then in the state's `action`. `extraEnv` as for a hook.
   */
  runAction(
    name: string,
    params: Record<string, unknown> = {},
    extraEnv: Record<string, string> = {},
  ): HookResult {
    // As Juju: only an action the charm declares runs, with parameters its schema accepts.
    const refusal = actionRefusal(
      parse(readFileSync(join(this.charm, "actions.yaml"), "utf8")),
      this.unitName,
      name,
      params,
    )
    if (refusal !== undefined) throw new Error(refusal)
    this.clearLogs()
    this.update((state) => {
      state.action = { name, params, results: {}, logs: [] }
    })
    const result = spawnSync(join(this.charm, "dispatch"), [], {
      cwd: this.charm,
      env: {
        ...jujuEnv({
          event: name,
          action: true,
          unitName: this.unitName,
          charm: this.charm,
          stateFile: this.stateFile,
          optDir: this.optDir,
        }),
        ...extraEnv,
      },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    })
    const state = settleHook(this.stateFile, result.status)
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, state }
  }

  /**
   * Runs one event in a private mount namespace (root only) where `setup`, a shell snippet
   * with `$OPT` set, has mounted what it likes over this unit's `/opt`. Afterwards, still
   * inside, every path below `$OPT` is listed on stdout as `<mode> <type> <path>`.
   */
  hookInNamespace(
    event: string,
    setup: string,
    extraEnv: Record<string, string> = {},
  ): HookResult & { files: Array<string> } {
    this.clearLogs()
    const script = `set -e; ${setup}; set +e; "$DISPATCH"; rc=$?; find "$OPT" -mindepth 1 -printf '%m %y %P\\n' | sort; exit $rc`
    const result = spawnSync("unshare", ["-m", "--propagation", "private", "sh", "-c", script], {
      cwd: this.charm,
      env: {
        ...this.env(event, undefined, extraEnv),
        OPT: this.optDir,
        DISPATCH: join(this.charm, "dispatch"),
      },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    })
    const files = result.stdout.split("\n").filter((line) => line !== "")
    const state = settleHook(this.stateFile, result.status)
    return { code: result.status, stdout: result.stdout, stderr: result.stderr, state, files }
  }

  /**
   * Starts an event and kills it, hook tools and all, with SIGKILL when `arm` calls the kill
   * function it is given (at once if the hook has ended). `arm` returns its own clean-up.
   */
  async hookKilled(event: string, arm: (kill: () => void) => () => void): Promise<void> {
    this.clearLogs()
    const child = spawn(join(this.charm, "dispatch"), [], {
      cwd: this.charm,
      env: this.env(event),
      stdio: "ignore",
      detached: true,
    })
    const killGroup = () => {
      try {
        process.kill(-(child.pid as number), "SIGKILL")
      } catch {
        // The group is gone: the hook finished first.
      }
    }
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()))
    const disarm = arm(killGroup)
    await exited
    disarm()
    // Hook tools outlive a killed hook until the group kill reaches them.
    killGroup()
    settleHook(this.stateFile, child.exitCode)
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
