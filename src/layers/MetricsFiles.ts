import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { DiskError } from "../domain/failures.ts"
import { keptMetricsDirectoriesPath, runnerSettingsPath } from "../domain/machine-paths.ts"
import { KeptMetricsDirectories, metricsFileName, unlistedKept } from "../domain/metrics-directory.ts"
import { maxRecordBytes } from "../domain/trusted-file.ts"
import { Descriptors } from "./Descriptors.ts"
import { lstatIfAny, step } from "./disk-steps.ts"
import { JujuContext } from "./JujuContext.ts"

const modified = (info: FileSystem.File.Info) => Option.getOrElse(Option.map(info.mtime, Number), () => 0)

const decode = Schema.decodeUnknownOption(Schema.fromJsonString(KeptMetricsDirectories))

/**
 * This application's metrics files in the textfile directories, as far as the charm looks at
 * them: only to know when to ask the runner (src/runner/textfiles.py) to write or delete them.
 * The runner alone touches them: these directories are not root's alone, and only it reaches
 * them through directory descriptors.
 */
export class MetricsFiles extends Context.Service<
  MetricsFiles,
  {
    /**
     * Whether the runner is to be asked: a directory that exists lacks the file, or holds one
     * older than the runner's settings (they changed since); or a directory the runner wrote
     * in is no longer listed, and its file is to go.
     */
    readonly stale: (directories: ReadonlyArray<string>) => Effect.Effect<boolean, DiskError>
  }
>()("backup-integrator/layers/MetricsFiles") {
  static readonly layer = Layer.effect(
    MetricsFiles,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const descriptors = yield* Descriptors
      const { optDir, appName } = yield* JujuContext
      const settings = runnerSettingsPath(optDir, appName)
      const keptPath = keptMetricsDirectoriesPath(optDir, appName)
      const name = metricsFileName(appName)

      // Only a list the runner wrote (src/domain/trusted-file.ts): never a link, a FIFO, another user's.
      const kept = Effect.map(
        step("read", keptPath, descriptors.readTrusted(keptPath, maxRecordBytes)),
        (data) =>
          Option.getOrElse(
            Option.flatMap(data, (bytes) => decode(new TextDecoder().decode(bytes))),
            () => ({ directories: [] }),
          ),
      )

      const stale = Effect.fnUntraced(function* (directories: ReadonlyArray<string>) {
        const since = Option.map(yield* lstatIfAny(fs, settings), modified)
        if (Option.isNone(since)) return false
        if (unlistedKept(yield* kept, directories).length > 0) return true
        for (const directory of directories) {
          // A path another user made unusable (a link to itself on the way: ELOOP) is none:
          // the runner, which looks without following anything, would not write there either.
          const found = yield* Effect.orElseSucceed(lstatIfAny(fs, directory), Option.none)
          if (Option.isNone(found) || found.value.type !== "Directory") continue
          const file = yield* Effect.orElseSucceed(lstatIfAny(fs, `${directory}/${name}`), Option.none)
          if (Option.isNone(file) || modified(file.value) < since.value) return true
        }
        return false
      })

      return MetricsFiles.of({ stale })
    }),
  )
}
