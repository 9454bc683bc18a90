/**
 * The runner names a record `<sequence number, 13 digits>-<its pid>.json` (src/runner/records.py),
 * numbered under the job journal's lock in the order runs end, whatever the clock says (records
 * of runners before that are named by their end in ms, which the numbers continue above):
 * sorted as strings, the newest is last. Anything else in a runs directory is not a record.
 */
export const isRunRecordName = (name: string): boolean => /^\d{13}-\d+\.json$/.test(name)

/** The newest run record among a runs directory's entries, or null when there is none. */
export const newestRunRecord = (names: ReadonlyArray<string>): string | null =>
  names
    .filter(isRunRecordName)
    // A directory's names are distinct: `name >= newest`, an equivalent mutant, never meets its own.
    .reduce<string | null>((newest, name) => (newest === null || name > newest ? name : newest), null)
