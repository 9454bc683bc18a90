import { spawn } from "node:child_process"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

/** How a run of a runner ended, seen from the process that started it. */
export interface RunnerExit {
  readonly pid: number
  readonly exitStatus: number | null
  readonly signal: string | null
  /** The last 4 KiB of what it printed: the record's output is the same, unless the record could not be written. */
  readonly output: string
}

/**
 * bacula-fd's environment, a systemd service's: what a script sees when Bacula runs it, not
 * the hook's (no JUJU_* variable, no hook tool on PATH).
 */
const baculaEnvironment = {
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  LANG: "C.UTF-8",
}

/**
 * Tells the runner that the run-script action started it: not one of Bacula's jobs (the
 * runner takes it out of the script's environment).
 */
const actionMarker = { BACKUP_INTEGRATOR_ACTION: "1" }

/** Starts a script's runner now, as Bacula would: for the `run-script` action. */
export class ScriptRunner extends Context.Service<
  ScriptRunner,
  { readonly run: (runner: string) => Effect.Effect<RunnerExit> }
>()("backup-integrator/layers/ScriptRunner") {
  static readonly layer = Layer.succeed(
    ScriptRunner,
    ScriptRunner.of({
      run: (runner) =>
        Effect.callback<RunnerExit>((resume) => {
          let output = Buffer.alloc(0)
          const child = spawn(runner, [], {
            env: { ...baculaEnvironment, ...actionMarker },
            stdio: ["ignore", "pipe", "pipe"],
          })
          const keep = (chunk: Buffer) => {
            output = Buffer.concat([output, chunk]).subarray(-4096)
          }
          child.stdout.on("data", keep)
          child.stderr.on("data", keep)
          child.on("error", (error: NodeJS.ErrnoException) =>
            resume(
              Effect.succeed({
                pid: child.pid ?? 0,
                exitStatus: 127,
                signal: null,
                output: `cannot start ${runner}: ${error.code}`,
              }),
            ),
          )
          child.on("close", (exitStatus, signal) =>
            resume(
              Effect.succeed({ pid: child.pid ?? 0, exitStatus, signal, output: output.toString("utf8") }),
            ),
          )
          // An interrupted action (the hook is stopped) stops the run, as Bacula cancelling it would.
          return Effect.sync(() => child.kill("SIGTERM"))
        }),
    }),
  )
}
