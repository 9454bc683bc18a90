import { type BigIntStats, lstatSync, readdirSync } from "node:fs"
import { eventOf, updateStatusEvent } from "../domain/events.ts"
import { type FileStat, fingerprintOf } from "../domain/file-fingerprint.ts"
import { optDirOf, parseUnitName } from "../domain/juju-environment.ts"
import { jobJournalPath, unitRecordPath } from "../domain/machine-paths.ts"
import { newestRunRecord } from "../domain/run-record-names.ts"
import { maxRecordBytes } from "../domain/trusted-file.ts"
import { readTrustedFile } from "./descriptors.ts"

// update-status, the most frequent event, before the program is loaded, in plain Node: when
// the program would find nothing to do, the hook ends here, with no hook-tool call and
// little more than Node's start-up. The program makes the same checks again whenever one
// fails here (src/programs/update-status.ts); this is only the way to skip loading it.

/** The names Effect's FileSystem gives the types of a path (NodeFileSystem's fileType). */
const typeOf = (stats: BigIntStats) =>
  stats.isFile()
    ? "File"
    : stats.isDirectory()
      ? "Directory"
      : stats.isSymbolicLink()
        ? "SymbolicLink"
        : stats.isBlockDevice()
          ? "BlockDevice"
          : stats.isCharacterDevice()
            ? "CharacterDevice"
            : stats.isFIFO()
              ? "FIFO"
              : stats.isSocket()
                ? "Socket"
                : "Unknown"

/** `lstat` as the program reads it through Effect's FileSystem. */
const fileStat = (path: string): FileStat | undefined => {
  const stats = lstatSync(path, { bigint: true, throwIfNoEntry: false })
  return stats === undefined
    ? undefined
    : {
        type: typeOf(stats),
        mode: Number(stats.mode),
        uid: Number(stats.uid),
        gid: Number(stats.gid),
        size: stats.size,
        mtimeMs: stats.mtime.getTime(),
        ino: stats.ino,
      }
}

const entries = (directory: string): ReadonlyArray<string> => {
  try {
    return readdirSync(directory)
  } catch {
    return []
  }
}

interface RecordRead {
  readonly waitingForSecret?: unknown
  readonly files?: ReadonlyArray<{ readonly path: string; readonly fingerprint: string }>
  readonly runs?: ReadonlyArray<{ readonly directory: string; readonly newest: string | null }>
  readonly journal?: unknown
  readonly deadline?: unknown
}

/**
 * True when this hook is update-status and the unit's record of its last reconcile still
 * holds (src/domain/unit-record.ts): no secret waited for, every file installed as it was
 * left, no new run recorded, the job journal unchanged, and the moment `backup-max-age`
 * passes, if any, still ahead. Anything else, or anything unexpected, is false: the program
 * runs and decides.
 */
export const nothingToDo = (env: Readonly<Record<string, string | undefined>>): boolean => {
  if (
    eventOf(env.JUJU_DISPATCH_PATH ?? "") !== updateStatusEvent ||
    env.JUJU_DISPATCH_PATH?.startsWith("actions/")
  )
    return false
  const unit = parseUnitName(env.JUJU_UNIT_NAME ?? "")
  const optDir = optDirOf(env)
  if (unit === undefined || optDir === undefined) return false
  try {
    // As the program reads it (src/layers/UnitRecords.ts): a marker the charm did not write
    // (another user's, a FIFO that would block the read) is no record.
    const data = readTrustedFile(unitRecordPath(optDir, unit.appName, unit.unitNumber), maxRecordBytes)
    if (data === undefined) return false
    const record: RecordRead = JSON.parse(new TextDecoder().decode(data))
    return (
      record.waitingForSecret === null &&
      Array.isArray(record.files) &&
      Array.isArray(record.runs) &&
      record.files.every(({ path, fingerprint }) => fingerprintOf(fileStat(path)) === fingerprint) &&
      record.runs.every(({ directory, newest }) => newestRunRecord(entries(directory)) === newest) &&
      record.journal === fingerprintOf(fileStat(jobJournalPath(optDir, unit.appName))) &&
      (record.deadline === null ||
        (typeof record.deadline === "string" && Date.now() < Date.parse(record.deadline)))
    )
  } catch {
    return false
  }
}
