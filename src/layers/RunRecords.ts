import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { ScriptStoreError } from "../domain/failures.ts"
import type { ScriptOption } from "../domain/options.ts"
import { RunRecord } from "../domain/run-record.ts"
import { isRunRecordName, newestRunRecord } from "../domain/run-record-names.ts"
import { runsDirectory } from "../domain/script-paths.ts"
import { list, readIfAny } from "./disk-steps.ts"
import { JujuContext } from "./JujuContext.ts"

/** Where a script's runs are recorded, and the file name of the newest record (null: none yet). */
export interface NewestRun {
  readonly directory: string
  readonly newest: string | null
}

const decode = Schema.decodeUnknownOption(Schema.fromJsonString(RunRecord))

/** The records the runner (src/runner/runner.py) leaves of each run of a script. */
export class RunRecords extends Context.Service<
  RunRecords,
  {
    readonly newest: (
      scripts: ReadonlyArray<ScriptOption>,
    ) => Effect.Effect<ReadonlyArray<NewestRun>, ScriptStoreError>
    /** Those newest records, leaving out what is gone (pruned meanwhile) or is not a record. */
    readonly read: (
      runs: ReadonlyArray<NewestRun>,
    ) => Effect.Effect<ReadonlyArray<RunRecord>, ScriptStoreError>
    /** The records of a script's runs, the newest first. */
    readonly recent: (script: ScriptOption) => Effect.Effect<ReadonlyArray<RunRecord>, ScriptStoreError>
  }
>()("backup-integrator/layers/RunRecords") {
  static readonly layer = Layer.effect(
    RunRecords,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const { optDir, appName } = yield* JujuContext

      /** A record, unless it is gone (pruned by a run meanwhile) or is not one. */
      const read = (path: string) =>
        Effect.map(readIfAny(fs, path), (data) =>
          Option.getOrUndefined(Option.flatMap(data, (bytes) => decode(new TextDecoder().decode(bytes)))),
        )

      const newestOf = Effect.fnUntraced(function* (script: ScriptOption) {
        const directory = runsDirectory(optDir, appName, script)
        return { directory, newest: newestRunRecord(yield* list(fs, directory)) }
      })

      const recent = Effect.fnUntraced(function* (script: ScriptOption) {
        const directory = runsDirectory(optDir, appName, script)
        const names = (yield* list(fs, directory)).filter(isRunRecordName).sort().reverse()
        const records = yield* Effect.forEach(names, (name) => read(`${directory}/${name}`))
        return records.filter((record) => record !== undefined)
      })

      return RunRecords.of({
        newest: (scripts) => Effect.forEach(scripts, newestOf),
        read: (runs) =>
          Effect.map(
            Effect.forEach(runs, ({ directory, newest }) =>
              newest === null ? Effect.succeed(undefined) : read(`${directory}/${newest}`),
            ),
            (records) => records.filter((record) => record !== undefined),
          ),
        recent,
      })
    }),
  )
}
