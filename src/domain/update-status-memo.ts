import type { UnitRecord } from "./unit-record.ts"

// What lets `dispatch` end update-status, the most frequent event (every five minutes), with
// bash builtins alone, never starting a process: made from the unit's record by the program
// (src/layers/UnitRecords.ts writes both), read by `dispatch`. One line each:
//
//   backup-integrator update-status memo 1
//   until <the next status change, or an hour after the program began reading, whichever
//         comes first: whole seconds since 1970, rounded up>
//   file <path>                 a regular file of root's, not a link, unmodified since the memo
//   directory <path>            a directory of root's, not a link, no entry added, removed or
//                               renamed since the memo
//   absent <path>               nothing there
//   absent-or-directory <path>  nothing there, or such a directory (a script's runs)
//   end
//
// "Since the memo" is the memo's own modification time, which the writer sets to just before
// the program began reading what the record holds (memoModified), so that whatever changes
// after that is newer. Anything else `dispatch` finds (no memo, one that is not root's or is
// a link, an unknown line, the instant passed, bash without EPOCHSECONDS) starts the program,
// which decides as it did before the memo.
//
// The hour bounds what modification times cannot show: a mode or owner changed (credentials/
// opened to others, a runner no longer executable), a file put back with its old time, or the
// clock stepped back (what changes then looks older than the memo). The program looks at the
// whole fingerprints then, 24 times a day rather than 288.

export const memoHeader = "backup-integrator update-status memo 1"

/**
 * The memo's modification time for a program that began reading at `startedReading` (ms):
 * earlier by more than the kernel's tick, as a file's times come from a clock that may lag
 * the program's by up to one tick (at most 10 ms), and `[[ a -nt b ]]` is strict.
 */
export const memoModified = (startedReading: number): number => startedReading - 20

/** What each fingerprint (src/domain/file-fingerprint.ts) asks of a path; undefined: nothing bash can check. */
const kindOf = (fingerprint: string): string | undefined =>
  fingerprint === "absent"
    ? "absent"
    : fingerprint.startsWith("File:")
      ? "file"
      : fingerprint.startsWith("Directory:")
        ? "directory"
        : undefined

/** The longest the memo stands for the program's own look, in ms (above: what it cannot see). */
export const memoLongest = 3600_000

/**
 * The memo for `record`, the job journal being at `journal`, for a program that began reading
 * at `startedReading` (ms); undefined when update-status must
 * start the program whatever changed: while a secret is waited for (a grant fires no event,
 * only asking again shows it), or when a path recorded is of a type bash cannot check (the
 * program then repairs it). A path holding a line break cannot be told apart in a line-based
 * memo either: none of the charm's does, but it would be no memo.
 */
export const updateStatusMemo = (
  record: UnitRecord,
  journal: string,
  startedReading: number,
): string | undefined => {
  if (record.waitingForSecret !== null) return undefined
  const lines = [
    ...record.files.map(({ path, fingerprint }) => [kindOf(fingerprint), path] as const),
    [kindOf(record.journal), journal] as const,
    ...record.runs.map(({ directory }) => ["absent-or-directory", directory] as const),
  ]
  if (lines.some(([kind, path]) => kind === undefined || /[\n\r]/.test(path))) return undefined
  const latest = startedReading + memoLongest
  const until = Math.ceil(
    Math.min(record.deadline === null ? latest : Date.parse(record.deadline), latest) / 1000,
  )
  return [memoHeader, `until ${until}`, ...lines.map(([kind, path]) => `${kind} ${path}`), "end", ""].join(
    "\n",
  )
}
