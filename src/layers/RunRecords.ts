import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { DiskError } from "../domain/failures.ts"
import { runsDirectory } from "../domain/machine-paths.ts"
import type { ScriptOption } from "../domain/options.ts"
import { RunRecord } from "../domain/run-record.ts"
import { isRunRecordName, newestRunRecord } from "../domain/run-record-names.ts"
import { maxRecordBytes } from "../domain/trusted-file.ts"
import { Descriptors } from "./Descriptors.ts"
import { list, step } from "./disk-steps.ts"
import { JujuContext } from "./JujuContext.ts"

/** Where a script's runs are recorded, and the file name of the newest record (null: none yet). */
export interface NewestRun {
  readonly directory: string
  readonly newest: string | null
}

const decode = Schema.decodeUnknownOption(Schema.fromJsonString(RunRecord))

/** A directory's record names, the newest first. */
const newestFirst = (names: ReadonlyArray<string>) => names.filter(isRunRecordName).sort().reverse()

/**
 * The records the runner (src/runner/) leaves of each run of a script. Only a record
 * the runner wrote counts (src/domain/trusted-file.ts): a file another user planted is passed
 * over, and cannot hide a failure by being newer, nor block a read by being a FIFO.
 */
export class RunRecords extends Context.Service<
  RunRecords,
  {
    readonly newest: (
      scripts: ReadonlyArray<ScriptOption>,
    ) => Effect.Effect<ReadonlyArray<NewestRun>, DiskError>
    /**
     * The newest record of each of those scripts: the newest named, or the newest before it
     * that is one (the one named may be gone, pruned meanwhile, or not be a record); the most
     * recent run first, by the sequence number its name holds, never by the clock.
     */
    readonly read: (runs: ReadonlyArray<NewestRun>) => Effect.Effect<ReadonlyArray<RunRecord>, DiskError>
    /** The records of a script's runs, the newest first. */
    readonly recent: (script: ScriptOption) => Effect.Effect<ReadonlyArray<RunRecord>, DiskError>
  }
>()("backup-integrator/layers/RunRecords") {
  static readonly layer = Layer.effect(
    RunRecords,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const descriptors = yield* Descriptors
      const { optDir, appName } = yield* JujuContext

      /** A record of `script`, unless it is gone, is not the runner's, or is not one. */
      const read = (path: string, script: ScriptOption) =>
        Effect.map(step("read", path, descriptors.readTrusted(path, maxRecordBytes)), (data) =>
          Option.getOrUndefined(
            Option.filter(
              Option.flatMap(data, (bytes) => decode(new TextDecoder().decode(bytes))),
              (record) => record.script === script,
            ),
          ),
        )

      const newestOf = Effect.fnUntraced(function* (script: ScriptOption) {
        const directory = runsDirectory(optDir, appName, script)
        return { directory, newest: newestRunRecord(yield* list(fs, directory)) }
      })

      const recent = Effect.fnUntraced(function* (script: ScriptOption) {
        const directory = runsDirectory(optDir, appName, script)
        const names = newestFirst(yield* list(fs, directory))
        const records = yield* Effect.forEach(names, (name) => read(`${directory}/${name}`, script))
        return records.filter((record) => record !== undefined)
      })

      const newestRecord = Effect.fnUntraced(function* ({ directory, newest }: NewestRun) {
        if (newest === null) return undefined
        const script = directory.slice(directory.lastIndexOf("/") + 1) as ScriptOption
        const record = yield* read(`${directory}/${newest}`, script)
        if (record !== undefined) return { name: newest, record }
        for (const name of newestFirst(yield* list(fs, directory)).filter((name) => name < newest)) {
          const older = yield* read(`${directory}/${name}`, script)
          if (older !== undefined) return { name, record: older }
        }
        return undefined
      })

      return RunRecords.of({
        newest: (scripts) => Effect.forEach(scripts, newestOf),
        read: (runs) =>
          Effect.map(Effect.forEach(runs, newestRecord), (found) =>
            found
              .filter((named) => named !== undefined)
              .sort((a, b) => (a.name < b.name ? 1 : -1))
              .map(({ record }) => record),
          ),
        recent,
      })
    }),
  )
}
