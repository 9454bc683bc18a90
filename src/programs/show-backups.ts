import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { displayJson } from "../domain/display-json.ts"
import { durationText } from "../domain/duration.ts"
import { type Held, type HeldPath, isEmpty } from "../domain/held.ts"
import { type Job, type JobKind, jobKinds, type ScriptResult } from "../domain/job-journal.ts"
import { ActionContext } from "../layers/ActionContext.ts"
import { JobJournals } from "../layers/JobJournals.ts"

/** `0.4s`, `12.3s`, `1h2m5s`: as show-runs writes a run's duration. */
const msText = (ms: number): string => (ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : durationText(ms / 1000))

/** How one script of a job ended: `exit status 0 in 0.4s`, `killed by SIGKILL in 2.0s`, `no script`. */
const scriptText = (result: ScriptResult | null): string => {
  if (result === null) return "did not run"
  if (!result.set) return "no script"
  const how = result.timedOut
    ? "timed out"
    : result.signal !== null
      ? `killed by ${result.signal}`
      : `exit status ${result.exitStatus}`
  return `${how} in ${msText(result.durationMs)}`
}

/** `1 byte`, `512 bytes`, `3.4 MiB`. */
const bytesText = (bytes: number): string => {
  if (bytes < 1024) return bytes === 1 ? "1 byte" : `${bytes} bytes`
  const units = ["KiB", "MiB", "GiB", "TiB", "PiB"]
  const power = Math.min(Math.floor(Math.log(bytes) / Math.log(1024)), units.length)
  return `${(bytes / 1024 ** power).toFixed(1)} ${units[power - 1]}`
}

/**
 * What one fileset path held: `"/srv/db": missing`, `"/srv/db": empty (2 files, 0 bytes)`,
 * `"/srv/db": 120 files, 3.4 MiB, newest change <ISO>`; counts past the walk's bound are
 * "at least".
 */
const heldText = (held: HeldPath): string => {
  const name = displayJson(held.path)
  if (!held.present) return `${name}: missing`
  const atLeast = held.complete ? "" : "at least "
  const counts = `${atLeast}${held.files} ${held.files === 1 ? "file" : "files"}, ${atLeast}${bytesText(held.bytes)}`
  if (isEmpty(held)) return `${name}: empty (${counts})`
  return `${name}: ${counts}, newest change ${held.newestChange ?? "unknown"}`
}

/** The fileset as the job's run-before-backup found it: `fileset-checked`, `fileset-1`, ... */
const heldResults = (held: Held | undefined): Record<string, string> =>
  held === undefined
    ? {}
    : {
        "fileset-checked": held.checked,
        ...Object.fromEntries(held.paths.map((path, i) => [`fileset-${i + 1}`, heldText(path)])),
        ...(held.unchecked === 0
          ? {}
          : {
              "fileset-unchecked": `${held.unchecked} more paths, not checked (past 32 paths or 8 KiB of names)`,
            }),
      }

/** A time of the runner's, said to be suspect when it is ahead of the charm's clock. */
const timeText = (iso: string, now: number): string =>
  Date.parse(iso) > now ? `${iso} (future: clock?)` : iso

const jobResults = (job: Job, now: number): Record<string, string> => ({
  outcome: job.outcome,
  started: job.started === null ? "unknown" : timeText(job.started, now),
  ...(job.ended === null ? {} : { ended: timeText(job.ended, now) }),
  ...(job.durationMs === null ? {} : { duration: msText(job.durationMs) }),
  ...(job.resultDue === null || (job.outcome !== "running" && job.outcome !== "no-result")
    ? {}
    : { "result-due": job.resultDue }),
  ...Object.fromEntries(Object.entries(job.scripts).map(([option, result]) => [option, scriptText(result)])),
  ...heldResults(job.scripts["run-before-backup"]?.held),
})

/**
 * `show-backups`: the recent backups and restores of this unit's machine as the job journal
 * has them, newest first (`backup.job-1.outcome`, `.started`, `.ended`, `.duration`,
 * `.result-due`, each script's result, and what each fileset path held before Bacula read
 * it: `.fileset-1`), with the totals and the last success of each kind, in one `action-set`.
 * A time ahead of the clock is said to be suspect.
 */
export const showBackups = Effect.gen(function* () {
  const now = yield* Clock.currentTimeMillis
  const journal = yield* (yield* JobJournals).read
  const results: Record<string, string> = {}
  for (const kind of jobKinds satisfies ReadonlyArray<JobKind>) {
    const { counts, lastSuccess, jobs } = journal[kind]
    results[`${kind}.succeeded`] = String(counts.succeeded)
    results[`${kind}.failed`] = String(counts.failed)
    results[`${kind}.no-result`] = String(counts.noResult)
    results[`${kind}.last-success`] = lastSuccess === null ? "none yet" : timeText(lastSuccess, now)
    jobs.forEach((job, i) => {
      for (const [key, value] of Object.entries(jobResults(job, now)))
        results[`${kind}.job-${i + 1}.${key}`] = value
    })
  }
  yield* (yield* ActionContext).set(results)
})
