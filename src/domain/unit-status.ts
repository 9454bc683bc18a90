import * as Match from "effect/Match"
import * as Schema from "effect/Schema"
import { shortSecretUri } from "./credentials.ts"
import { displayJson, hiddenEscaped } from "./display-json.ts"
import { durationText } from "./duration.ts"
import type { InvalidFileset, ReconcileStop, ScriptProblem } from "./failures.ts"
import type { HeldSummary } from "./held.ts"
import type { Unanswered } from "./job-journal.ts"
import { outcomeText, type RunRecord, succeeded, whenText } from "./run-record.ts"

/** A unit status as `status-set` takes it. */
export const UnitStatus = Schema.Struct({
  status: Schema.Literals(["active", "blocked", "waiting"]),
  message: Schema.String,
})
export type UnitStatus = typeof UnitStatus.Type

/** Juju shows a status message on one line; longer ones are cut to this many characters. */
export const maxMessageLength = 120

export const active: UnitStatus = { status: "active", message: "" }

/** Characters as a reader counts them (code points), which is how the limit is kept. */
export const messageLength = (message: string): number => [...message].length

/**
 * The pieces a shown path may be cut between: whole escape sequences, and whole graphemes
 * (a letter with its marks), so that a cut never leaves half of either.
 */
const pieces = (quotedBody: string): ReadonlyArray<string> =>
  quotedBody
    .split(/(\\u[0-9a-f]{4}|\\.)/)
    .flatMap((part, i) =>
      i % 2 === 1 ? [part] : [...new Intl.Segmenter().segment(part)].map(({ segment }) => segment),
    )

/**
 * `<before>"<path>"<after>`, the path as a JSON string that shows letters as themselves and
 * hidden characters escaped. A long path is shortened so that the rest always fits in the
 * message.
 */
const withPath = (before: string, path: string, after: string): string => {
  const quoted = displayJson(path)
  const full = `${before}${quoted}${after}`
  if (messageLength(full) <= maxMessageLength) return full
  const room = maxMessageLength - messageLength(`${before}"..."${after}`)
  let body = ""
  for (const piece of pieces(quoted.slice(1, -1))) {
    if (messageLength(body) + messageLength(piece) > room) break
    body += piece
  }
  return `${before}"${body}..."${after}`
}

/** `invalid fileset: "<path>": <reason>`. */
const invalidFilesetMessage = ({ path, reason }: InvalidFileset): string =>
  withPath("invalid fileset: ", path, `: ${reason}`)

/** A key as the operator can see it, shortened to leave room for the rest of the message. */
const shownKey = (key: string): string => {
  const quoted = displayJson(key)
  return messageLength(quoted) <= 60
    ? quoted
    : `${displayJson([...key].slice(0, 40).join("")).slice(0, -1)}..."`
}

/** What is wrong with a script, and how to fix it, in the operator's words. */
const scriptProblemText: Record<ScriptProblem, string> = {
  crlf: "script has Windows (CRLF) line endings",
  "byte-order-mark": "script starts with a byte-order mark (save it as UTF-8 without BOM)",
}

/** The one place where a reconcile outcome becomes what the operator sees. */
export const statusOf: (stop: ReconcileStop) => UnitStatus = Match.type<ReconcileStop>().pipe(
  Match.tagsExhaustive({
    MissingFileset: () => ({ status: "blocked", message: "missing fileset config" }) as const,
    InvalidFileset: (failure) => ({ status: "blocked", message: invalidFilesetMessage(failure) }) as const,
    InvalidScript: ({ option, problem }) =>
      ({ status: "blocked", message: `invalid ${option}: ${scriptProblemText[problem]}` }) as const,
    InvalidScriptTimeout: ({ reason }) =>
      ({ status: "blocked", message: `invalid script-timeout: ${reason}` }) as const,
    InvalidBackupMaxAge: ({ reason }) =>
      ({ status: "blocked", message: `invalid backup-max-age: ${reason}` }) as const,
    InvalidCredentials: () =>
      ({
        status: "blocked",
        message: "invalid credentials: not a secret URI (juju add-secret prints one)",
      }) as const,
    InvalidMetricsDirectory: () =>
      ({ status: "blocked", message: "invalid metrics-directory: not an absolute path" }) as const,
    InvalidCredentialsKey: ({ key }) =>
      ({
        status: "blocked",
        message: `invalid credentials key ${shownKey(key)}: not a safe file name`,
      }) as const,
    RunnerUnavailable: ({ interpreter }) =>
      ({
        status: "blocked",
        message: `cannot run the scripts: ${interpreter} is missing (apt install python3-minimal)`,
      }) as const,
    SecretUnreadable: ({ uri, app }) =>
      ({
        status: "blocked",
        message: `cannot read the credentials secret: juju grant-secret ${shortSecretUri(uri)} ${app}`,
      }) as const,
    RelationMissing: () => ({ status: "waiting", message: "waiting for backup relation" }) as const,
    NotLeader: () => active,
  }),
)

/**
 * A time of the runner's as the status shows it, said to be suspect when it is ahead of the
 * charm's clock (the machine's clock was ahead when the runner took it, and was set back since).
 */
const whenShown = (iso: string, now: number): string =>
  Date.parse(iso) > now ? `${whenText(iso)} (future: clock?)` : whenText(iso)

/** A run that failed, in words: which script, how it ended, when. */
const failedRunText = (record: RunRecord, now: number): string =>
  `${record.script} ${record.timedOut ? outcomeText(record) : `failed (${outcomeText(record)})`} at ${whenShown(record.ended, now)}`

/** What the status says of backups: the last success, and `backup-max-age` if set. */
export interface BackupCheck {
  /** The end of the last successful backup (ISO), if any. */
  readonly lastBackup: string | null
  /** `backup-max-age`, seconds; null: no check. */
  readonly maxAge: number | null
  /** When the check began: what the age counts from before the first success. */
  readonly checkSince: string | null
  /** Jobs whose result is awaited or was missed (src/domain/job-journal.ts's unansweredJobs). */
  readonly unanswered: ReadonlyArray<Unanswered>
  /** Now, in ms since 1970. */
  readonly now: number
}

/** When the last backup grows older than `backup-max-age` (ms since 1970); undefined: no check. */
export const backupDeadline = ({ lastBackup, maxAge, checkSince }: BackupCheck): number | undefined => {
  const since = lastBackup ?? checkSince
  return maxAge === null || since === null ? undefined : Date.parse(since) + maxAge * 1000
}

/**
 * A message made of a record's fields, held to what every message is (one line, at most
 * `maxMessageLength` characters, nothing hidden) whatever a record holds: the record's schema
 * already refuses what the runner never writes.
 */
const boundedMessage = (message: string): string => {
  const shown = hiddenEscaped(message)
  return messageLength(shown) <= maxMessageLength
    ? shown
    : `${[...shown].slice(0, maxMessageLength - 3).join("")}...`
}

/** `, 2 more`: the paths past the one named. */
const moreText = (paths: ReadonlyArray<string>): string =>
  paths.length > 1 ? `, ${paths.length - 1} more` : ""

/**
 * What the unit shows: what reconcile reached and, when that is active, the scripts whose
 * last run failed or timed out (`lastRuns` comes the most recent run first, by sequence: the
 * first failed is named), until each next succeeds; else a job whose result is overdue (Bacula failed it after its before-script); else, past
 * `backup-max-age`, since when no backup succeeded; else a fileset path missing at the last
 * backup (`held`), until a backup finds it again; else when the last backup succeeded, and the
 * paths it found empty. A configuration, relation or credentials problem comes first: it is
 * what to fix first. A failed script comes before a job with no result, and that before a
 * missing backup: each names the cause of the next (a failing run-before-backup fails every
 * backup). An overdue backup comes before a missing path: it is what is wrong now, the path
 * what was wrong at a backup that may be old.
 */
export const shownStatus = (
  reconciled: UnitStatus,
  lastRuns: ReadonlyArray<RunRecord>,
  backups: BackupCheck,
  held: HeldSummary | null = null,
): UnitStatus => {
  if (reconciled.status !== "active") return reconciled
  const [latest, ...others] = lastRuns.filter((record) => !succeeded(record))
  if (latest !== undefined) {
    const more = others.length === 0 ? "" : `, ${others.length} more failing`
    return {
      status: "blocked",
      // The mark of a future time gives way before what to do does, when both do not fit.
      message: boundedMessage(
        [backups.now, Number.POSITIVE_INFINITY]
          .map((now) => `${failedRunText(latest, now)}${more}; see action show-runs`)
          .reduce((marked, plain) => (messageLength(marked) <= maxMessageLength ? marked : plain)),
      ),
    }
  }
  const overdue = backups.unanswered.find(({ due }) => Date.parse(due) <= backups.now)
  if (overdue !== undefined) {
    return {
      status: "blocked",
      message: boundedMessage(
        `no result from the ${overdue.kind} started ${whenShown(overdue.started, backups.now)}, due ${whenText(overdue.due)}; see action show-backups`,
      ),
    }
  }
  const deadline = backupDeadline(backups)
  const since = backups.lastBackup ?? backups.checkSince
  if (deadline !== undefined && backups.now >= deadline && since !== null && backups.maxAge !== null) {
    return {
      status: "blocked",
      message: `no successful backup since ${whenText(since)} (backup-max-age ${durationText(backups.maxAge)})`,
    }
  }
  const missing = held?.missing[0]
  // `held !== null` only narrows its type: a missing path implies it (its mutant `true` is equivalent).
  if (held !== null && missing !== undefined) {
    return {
      status: "blocked",
      message: withPath(
        "fileset path ",
        missing,
        ` missing at the backup of ${whenShown(held.checked, backups.now)}${moreText(held.missing)}; see action show-backups`,
      ),
    }
  }
  const last =
    backups.lastBackup === null
      ? "no backup yet"
      : `last backup ${whenShown(backups.lastBackup, backups.now)}`
  const empty = held?.empty[0]
  return {
    status: "active",
    message:
      // As above, `held === null` only narrows its type (its mutant `false` is equivalent).
      held === null || empty === undefined
        ? last
        : withPath(`${last}; `, empty, ` was empty${moreText(held.empty)}, see action show-backups`),
  }
}
