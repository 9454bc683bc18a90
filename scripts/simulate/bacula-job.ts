// Bacula starting a job's scripts on the unit's machine, as bacula-fd does (Bacula 9.6,
// measured): the path published for the before-script, then, if it succeeded and the job's
// data was saved, the after-script's; each by execvp with no argument, working directory /,
// stdin /dev/null, umask 022, stdout and stderr in one pipe, whose lines become the job's
// messages. A job Bacula fails after its before-script (storage gone, a cancel) runs no
// after-script: Bacula runs a client's after-script only for a job that succeeded.
import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import type { BaculaJobStep } from "./plan.ts"

export interface ScriptRun {
  readonly option: string
  /** The path Bacula starts, or undefined when none is published (bacula-fd then runs nothing). */
  readonly path: string | undefined
  readonly exitStatus: number | null
  /** What a signal ended it with, when one did. */
  readonly signal: string | null
  /** Each line as the job report shows it (`ClientBeforeJob: dumping`). */
  readonly messages: ReadonlyArray<string>
}

interface JobRun {
  readonly job: BaculaJobStep["name"]
  readonly runs: ReadonlyArray<ScriptRun>
  /** As the Director ends the job, as far as the scripts decide it. */
  readonly outcome: string
}

/** bacula-fd's environment under systemd: its PATH. */
const baculaEnv = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" }

/** A path that is published but missing: bacula-fd cannot start it and the job fails. */
const missingScriptStatus = 208

const run = (
  option: string,
  path: string | undefined,
  prefix: string,
  clock: Record<string, string>,
): ScriptRun => {
  if (path === undefined) return { option, path, exitStatus: 0, signal: null, messages: [] }
  if (!existsSync(path))
    return {
      option,
      path,
      exitStatus: missingScriptStatus,
      signal: null,
      messages: [`${prefix}: ${path}: No such file or directory`],
    }
  // sh's `exec` is execvp's: a file without `#!` runs under /bin/sh, as glibc's execvp does.
  const result = spawnSync("/bin/sh", ["-c", 'cd / && umask 022 && exec "$0" </dev/null 2>&1', path], {
    env: { ...baculaEnv, ...clock },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  })
  return {
    option,
    path,
    exitStatus: result.status,
    signal: result.signal,
    messages: result.stdout
      .split("\n")
      .filter((line, n, lines) => line !== "" || n < lines.length - 1)
      .map((line) => `${prefix}: ${line}`),
  }
}

/**
 * Runs the job's scripts at `published(option)` as Bacula would; with `baculaFails`, Bacula
 * fails the job once the before-script has succeeded. `clock`: the environment that moves the
 * machine's clock (--later), or none.
 */
export const runBaculaJob = (
  { name: job, baculaFails }: BaculaJobStep,
  published: (option: string) => string | undefined,
  clock: Record<string, string>,
): JobRun => {
  const before = run(`run-before-${job}`, published(`run-before-${job}`), "ClientBeforeJob", clock)
  if (before.exitStatus !== 0)
    return {
      job,
      runs: [before],
      outcome: `failed (status f): the before-script failed, the ${job} did not run`,
    }
  if (baculaFails)
    return {
      job,
      runs: [before],
      outcome: `failed (status f): Bacula failed the ${job} after the before-script (as when the storage daemon is gone), so it ran no after-script; the unit cannot tell yet: its journal holds the job as running until its result is due (show-backups: result-due), and from then on says it had none`,
    }
  const after = run(`run-after-${job}`, published(`run-after-${job}`), "ClientAfterJob", clock)
  return {
    job,
    runs: [before, after],
    outcome:
      after.exitStatus === 0 ? `OK (status T)` : `OK -- with warnings (status T): the after-script failed`,
  }
}
