import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { DiskError } from "../domain/failures.ts"
import {
  jobJournalPath,
  unitRecordPath,
  unitsDirectory,
  updateStatusMemoPath,
} from "../domain/machine-paths.ts"
import { maxRecordBytes } from "../domain/trusted-file.ts"
import { UnitRecord } from "../domain/unit-record.ts"
import { memoModified, updateStatusMemo } from "../domain/update-status-memo.ts"
import { Descriptors } from "./Descriptors.ts"
import { remove, step, writeAtomically } from "./disk-steps.ts"
import { JujuContext } from "./JujuContext.ts"

const Json = Schema.fromJsonString(UnitRecord)
const decode = Schema.decodeUnknownOption(Json)
const encode = Schema.encodeSync(Json)

/**
 * This unit's record of its last reconcile, in its marker file (`units/<n>`, root only), and
 * the memo made from it that lets `dispatch` end update-status on its own
 * (src/domain/update-status-memo.ts): their one writer. A marker the charm did not write
 * (src/domain/trusted-file.ts: another user's, a FIFO) is no record: the hook reconciles, and
 * the write replaces it.
 */
export class UnitRecords extends Context.Service<
  UnitRecords,
  {
    /** None when there is no record, or an older charm's empty marker. */
    readonly read: Effect.Effect<Option.Option<UnitRecord>, DiskError>
    /**
     * Writes the record, and its memo as of `startedReading` (ms): when the program began
     * reading what the record holds, so that anything changed since makes `dispatch` start it.
     */
    readonly write: (record: UnitRecord, startedReading: number) => Effect.Effect<void, DiskError>
    /** Empties the record, as an older charm's marker: what was shown is no longer known. No memo. */
    readonly forget: Effect.Effect<void, DiskError>
  }
>()("backup-integrator/layers/UnitRecords") {
  static readonly layer = Layer.effect(
    UnitRecords,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const descriptors = yield* Descriptors
      const { optDir, appName, unitNumber } = yield* JujuContext
      const path = unitRecordPath(optDir, appName, unitNumber)
      const memoPath = updateStatusMemoPath(optDir, appName, unitNumber)
      const journal = jobJournalPath(optDir, appName)
      // Not flushed: a record lost in a crash only costs the next update-status a reconcile.
      const put = (data: Uint8Array) => writeAtomically(fs, path, data, { mode: 0o600, durable: false })
      // First, and whatever follows: a memo must never outlive the record it was made from.
      const dropMemo = remove(fs, memoPath)
      return UnitRecords.of({
        read: Effect.map(step("read", path, descriptors.readTrusted(path, maxRecordBytes)), (data) =>
          Option.flatMap(data, (bytes) => decode(new TextDecoder().decode(bytes))),
        ),
        write: Effect.fnUntraced(function* (record: UnitRecord, startedReading: number) {
          // Before anything was installed (the first configuration was bad) there is no directory yet.
          yield* step(
            "create directory",
            unitsDirectory(optDir, appName),
            fs.makeDirectory(unitsDirectory(optDir, appName), { recursive: true }),
          )
          yield* dropMemo
          yield* put(new TextEncoder().encode(encode(record)))
          const memo = updateStatusMemo(record, journal, startedReading)
          if (memo === undefined) return
          yield* writeAtomically(fs, memoPath, new TextEncoder().encode(memo), {
            mode: 0o600,
            durable: false,
            modified: memoModified(startedReading),
          })
        }),
        // Emptied, not deleted: the marker says the unit is on this machine (ScriptStore.removeAll).
        forget: Effect.andThen(dropMemo, put(new Uint8Array())),
      })
    }),
  )
}
