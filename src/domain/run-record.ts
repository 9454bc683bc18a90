import * as Schema from "effect/Schema"
import { durationText } from "./duration.ts"
import { ScriptOption } from "./options.ts"
import { Count, ExitStatus, IsoTime, SignalName } from "./runner-fields.ts"
import { ScriptTimeout } from "./script-timeout.ts"

/**
 * What the runner (src/runner/records.py) records of one run of a script, as JSON in
 * `runs/<option>/<sequence number, 13 digits>-<runner pid>.json` (src/domain/run-record-names.ts):
 * this is the one description, which every kind of record the real runner writes is held to
 * (test/integration/shared-files.test.ts).
 * Every field the charm shows (in a status, in an action's results) is held to what the runner
 * writes, so that a record that is not the runner's cannot put text of its own there.
 */
export const RunRecord = Schema.Struct({
  version: Schema.Literal(1),
  script: ScriptOption,
  /**
   * False for a run of an option with no script (the runner stands in for bacula-fd's no-op
   * and exits 0); absent in the records of runners before that.
   */
  set: Schema.optionalKey(Schema.Boolean),
  pid: Schema.Int.check(Schema.isGreaterThan(0)),
  started: IsoTime,
  ended: IsoTime,
  durationMs: Count,
  /** Set when the script exited; null when a signal ended it. */
  exitStatus: Schema.NullOr(ExitStatus),
  signal: Schema.NullOr(SignalName),
  /** Stopped by the runner at `script-timeout`. */
  timedOut: Schema.Boolean,
  /** The limit it ran under, in seconds, if any. */
  timeout: Schema.NullOr(ScriptTimeout),
  /** Signals the runner passed on to the script (Bacula cancelling the job). */
  forwardedSignals: Schema.Array(SignalName),
  /** Processes the script left running, which the runner stopped when it ended. */
  stoppedLeftovers: Count,
  outputBytes: Count,
  /** The last lines of stdout and stderr together (at most 40 lines, 4 KiB). */
  output: Schema.String,
})
export type RunRecord = typeof RunRecord.Type

export const succeeded = (record: RunRecord): boolean => record.exitStatus === 0 && !record.timedOut

/** How a run ended, in words: `exit status 2`, `killed by SIGTERM`, `timed out after 30m`. */
export const outcomeText = (record: RunRecord): string => {
  if (record.timedOut) return `timed out after ${durationText(record.timeout ?? 0)}`
  if (record.signal !== null) return `killed by ${record.signal}`
  return `exit status ${record.exitStatus}`
}

/** `2026-12-01 03:00 UTC`, from a record's ISO time. */
export const whenText = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`

/** How long a run took: `0.4s`, `12.3s`, `1h2m5s`. */
export const durationOf = (record: RunRecord): string =>
  record.durationMs < 60_000
    ? `${(record.durationMs / 1000).toFixed(1)}s`
    : durationText(record.durationMs / 1000)
