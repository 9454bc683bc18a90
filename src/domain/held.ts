import * as Schema from "effect/Schema"
import type { JobJournal } from "./job-journal.ts"
import { Count, IsoTime } from "./runner-fields.ts"

/**
 * What the before-backup runner (src/runner/held.py) found at one `fileset` path after the
 * script succeeded and before Bacula read a byte, walking it as Bacula's defaults do: links
 * saved as links, never followed; no descent into another file system (onefs).
 */
export const HeldPath = Schema.Struct({
  path: Schema.String,
  /** False when the path cannot be looked at (`lstat` fails): Bacula saves nothing of it. */
  present: Schema.Boolean,
  /** What Bacula saves but directories: regular files, links (as links), devices, FIFOs. */
  files: Count,
  /** The size of the regular files among them, each hard-linked file once. */
  bytes: Count,
  /** The newest modification time of anything walked, the path itself too; null when missing. */
  newestChange: Schema.NullOr(IsoTime),
  /** False when the walk stopped at its bound: `files` and `bytes` are "at least". */
  complete: Schema.Boolean,
})
export type HeldPath = typeof HeldPath.Type

/** What a backup held: the walk of its fileset, recorded with the job (its before-script's result). */
export const Held = Schema.Struct({
  /** When the walk began. */
  checked: IsoTime,
  /** In the fileset's order. */
  paths: Schema.Array(HeldPath),
  /** Paths past the record's bound (32 paths, 8 KiB of names), not walked. */
  unchecked: Count,
})
export type Held = typeof Held.Type

/** Present and holding no byte of file data (a link in place of the data is one). */
export const isEmpty = (path: HeldPath): boolean => path.present && path.complete && path.bytes === 0

/** What the status says of the last backup's fileset: when it was walked, its missing and its empty paths. */
export const HeldSummary = Schema.Struct({
  checked: IsoTime,
  missing: Schema.Array(Schema.String),
  empty: Schema.Array(Schema.String),
})
export type HeldSummary = typeof HeldSummary.Type

/** The newest walk among the journal's backup jobs (the newest first), if any. */
export const lastHeld = (journal: JobJournal): Held | undefined => {
  for (const job of journal.backup.jobs) {
    const held = job.scripts["run-before-backup"]?.held
    if (held !== undefined) return held
  }
  return undefined
}

export const heldSummaryOf = (held: Held | undefined): HeldSummary | null =>
  held === undefined
    ? null
    : {
        checked: held.checked,
        missing: held.paths.filter(({ present }) => !present).map(({ path }) => path),
        empty: held.paths.filter(isEmpty).map(({ path }) => path),
      }
