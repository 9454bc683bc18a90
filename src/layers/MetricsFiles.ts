import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { ScriptStoreError } from "../domain/failures.ts"
import { metricsFileName } from "../domain/metrics-directory.ts"
import { appDirectory, runnerSettingsPath } from "../domain/script-paths.ts"
import { Descriptors } from "./Descriptors.ts"
import { lstatIfAny, remove, step } from "./disk-steps.ts"
import { JujuContext } from "./JujuContext.ts"

const modified = (info: FileSystem.File.Info) => Option.getOrElse(Option.map(info.mtime, Number), () => 0)

/**
 * This application's metrics files in the textfile directories the runner writes them in
 * (src/runner/ writes them; the charm only asks it to, and deletes them at the end).
 */
export class MetricsFiles extends Context.Service<
  MetricsFiles,
  {
    /**
     * Whether a directory that exists lacks the file, or holds one older than the runner's
     * settings: the settings changed since the metrics were written.
     */
    readonly stale: (directories: ReadonlyArray<string>) => Effect.Effect<boolean, ScriptStoreError>
    /** The directories the runner's settings name (none without settings). */
    readonly listed: Effect.Effect<ReadonlyArray<string>, ScriptStoreError>
    /** Deletes the file from each directory, once the application's directory is gone. */
    readonly removeIfGone: (directories: ReadonlyArray<string>) => Effect.Effect<void, ScriptStoreError>
  }
>()("backup-integrator/layers/MetricsFiles") {
  static readonly layer = Layer.effect(
    MetricsFiles,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const descriptors = yield* Descriptors
      const { optDir, appName } = yield* JujuContext
      const settings = runnerSettingsPath(optDir, appName)
      const name = metricsFileName(appName)

      const stale = Effect.fnUntraced(function* (directories: ReadonlyArray<string>) {
        const since = Option.map(yield* lstatIfAny(fs, settings), modified)
        if (Option.isNone(since)) return false
        for (const directory of directories) {
          const found = yield* lstatIfAny(fs, directory)
          if (Option.isNone(found) || found.value.type !== "Directory") continue
          const file = yield* lstatIfAny(fs, `${directory}/${name}`)
          if (Option.isNone(file) || modified(file.value) < since.value) return true
        }
        return false
      })

      // Only settings the charm wrote (src/domain/trusted-file.ts): never a link, a FIFO, another user's.
      const listed = Effect.map(
        step("read", settings, descriptors.readTrusted(settings, 1 << 16)),
        (data) => {
          try {
            const { metricsDirectories } = JSON.parse(new TextDecoder().decode(Option.getOrThrow(data)))
            return Array.isArray(metricsDirectories)
              ? metricsDirectories.filter((d): d is string => typeof d === "string" && d.startsWith("/"))
              : []
          } catch {
            return []
          }
        },
      )

      const removeIfGone = Effect.fnUntraced(function* (directories: ReadonlyArray<string>) {
        if (Option.isSome(yield* lstatIfAny(fs, appDirectory(optDir, appName)))) return
        for (const directory of directories) {
          const file = `${directory}/${name}`
          // A link there is deleted, never followed: `remove` unlinks the path itself.
          if (Option.isSome(yield* lstatIfAny(fs, file))) yield* remove(fs, file)
        }
      })

      return MetricsFiles.of({ stale, listed, removeIfGone })
    }),
  )
}
