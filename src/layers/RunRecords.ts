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

/** The newest record of a script's runs, and where it was found. */
export interface LastRun {
  readonly directory: string
  /** Its file name, or null when the script has no record yet. */
  readonly newest: string | null
  /** Undefined when there is none, or it cannot be read as one. */
  readonly record: RunRecord | undefined
}

const decode = Schema.decodeUnknownOption(Schema.fromJsonString(RunRecord))

/** The records the runner (src/runner/runner.py) leaves of each run of a script. */
export class RunRecords extends Context.Service<
  RunRecords,
  {
    readonly last: (
      scripts: ReadonlyArray<ScriptOption>,
    ) => Effect.Effect<ReadonlyArray<LastRun>, ScriptStoreError>
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

      const lastOf = Effect.fnUntraced(function* (script: ScriptOption) {
        const directory = runsDirectory(optDir, appName, script)
        const newest = newestRunRecord(yield* list(fs, directory))
        const record = newest === null ? undefined : yield* read(`${directory}/${newest}`)
        return { directory, newest, record }
      })

      const recent = Effect.fnUntraced(function* (script: ScriptOption) {
        const directory = runsDirectory(optDir, appName, script)
        const names = (yield* list(fs, directory)).filter(isRunRecordName).sort().reverse()
        const records = yield* Effect.forEach(names, (name) => read(`${directory}/${name}`))
        return records.filter((record) => record !== undefined)
      })

      return RunRecords.of({ last: (scripts) => Effect.forEach(scripts, lastOf), recent })
    }),
  )
}
