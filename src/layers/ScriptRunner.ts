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

/**
 * What the runner said when asked to write or delete the metrics files: its lines on stderr
 * (what it left alone and why), and whether a delete failed for a reason that may pass
 * (exit status 75, EX_TEMPFAIL: the hook fails so that Juju runs it again).
 */
export interface MetricsAnswer {
  readonly said: ReadonlyArray<string>
  readonly tryAgain: boolean
}

/** The runner's exit status when a delete failed for a reason that may pass (src/runner/__main__.py). */
const tryAgainStatus = 75

/** `<runner> <flag>`: no script runs; what it prints on stderr is kept, the rest ignored. */
const metricsMode = (runner: string, flag: "--write-metrics" | "--remove-metrics") =>
  Effect.callback<MetricsAnswer>((resume) => {
    let stderr = ""
    const child = spawn(runner, [flag], { env: baculaEnvironment, stdio: ["ignore", "ignore", "pipe"] })
    child.stderr.setEncoding("utf8")
    child.stderr.on("data", (chunk: string) => {
      stderr = `${stderr}${chunk}`.slice(-16_384)
    })
    child.on("error", (error: NodeJS.ErrnoException) =>
      resume(Effect.succeed({ said: [`cannot start ${runner}: ${error.code}`], tryAgain: false })),
    )
    child.on("close", (exitStatus) =>
      resume(
        Effect.succeed({
          said: stderr.split("\n").filter((line) => line !== ""),
          tryAgain: exitStatus === tryAgainStatus,
        }),
      ),
    )
    return Effect.sync(() => child.kill("SIGTERM"))
  })

/**
 * Starts a script's runner now, as Bacula would: for the `run-script` action; or only to
 * write the application's metrics files (the runner's settings changed), or delete them (the
 * application's last unit goes): the runner alone touches them, through directory
 * descriptors, which Node cannot (src/runner/textfiles.py).
 */
export class ScriptRunner extends Context.Service<
  ScriptRunner,
  {
    readonly run: (runner: string) => Effect.Effect<RunnerExit>
    /** `<runner> --write-metrics`: writes them, and deletes them from directories no longer listed. */
    readonly writeMetrics: (runner: string) => Effect.Effect<MetricsAnswer>
    /** `<runner> --remove-metrics`: deletes them from every directory they were written in. */
    readonly removeMetrics: (runner: string) => Effect.Effect<MetricsAnswer>
  }
>()("backup-integrator/layers/ScriptRunner") {
  static readonly layer = Layer.succeed(
    ScriptRunner,
    ScriptRunner.of({
      writeMetrics: (runner) => metricsMode(runner, "--write-metrics"),
      removeMetrics: (runner) => metricsMode(runner, "--remove-metrics"),
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
