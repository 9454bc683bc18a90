import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as PlatformError from "effect/PlatformError"
import { ScriptStoreError } from "../domain/failures.ts"
import type { ScriptOption } from "../domain/options.ts"
import { appDirectory, charmDirectory, scriptPath, scriptsDirectory } from "../domain/script-paths.ts"
import type { Script } from "../domain/scripts.ts"
import { JujuContext } from "./JujuContext.ts"

/** Mode of the script files and of the directories that hold them. */
const mode = 0o755

/** A script installed on this machine, at the path the leader publishes. */
export interface InstalledScript {
  readonly option: ScriptOption
  readonly path: string
}

/** The scripts of this application on the machine's disk. */
export class ScriptStore extends Context.Service<
  ScriptStore,
  {
    /**
     * Makes the scripts directory hold exactly `scripts`, each file written atomically and
     * only when its content differs; anything else in the directory is deleted.
     */
    readonly install: (
      scripts: ReadonlyArray<Script>,
    ) => Effect.Effect<ReadonlyArray<InstalledScript>, ScriptStoreError>
    /** Deletes this application's directory and everything in it. */
    readonly removeAll: Effect.Effect<void, ScriptStoreError>
  }
>()("backup-integrator/layers/ScriptStore") {
  static readonly layerNoDeps = Layer.effect(
    ScriptStore,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const { optDir, appName } = yield* JujuContext
      const directory = scriptsDirectory(optDir, appName)
      const encoder = new TextEncoder()

      // Node's own words ("ENOSPC: no space left on device, write") say best what went wrong.
      const failed = (operation: string, path: string) =>
        Effect.mapError(
          (error: PlatformError.PlatformError) =>
            new ScriptStoreError({
              operation,
              path,
              reason:
                error.reason.cause instanceof Error
                  ? error.reason.cause.message.replace(/, \w+ '[^']*'$/, "")
                  : error.message,
            }),
        )
      const uid = process.getuid?.() ?? 0
      const gid = process.getgid?.() ?? 0
      const ownedByOthers = (info: FileSystem.File.Info) => Option.getOrElse(info.uid, () => uid) !== uid
      const lstatIfAny = (path: string) =>
        fs.lstat(path).pipe(
          Effect.catchReason("PlatformError", "NotFound", () => Effect.succeed(undefined)),
          failed("inspect", path),
        )

      /**
       * Creates `path` if needed, owned by this user with mode 0755. A link planted there is
       * refused, never followed; an existing directory others could write to is repaired.
       */
      const ensureDirectory = Effect.fnUntraced(function* (path: string) {
        const info = yield* lstatIfAny(path)
        if (info === undefined) {
          yield* fs.makeDirectory(path, { mode }).pipe(failed("create directory", path))
        } else if (info.type !== "Directory") {
          const what = info.type === "SymbolicLink" ? "a symbolic link" : "not a directory"
          return yield* new ScriptStoreError({
            operation: "use",
            path,
            reason: `${what}: refusing to follow it`,
          })
        } else if ((info.mode & 0o7777) === mode && !ownedByOthers(info)) {
          return
        }
        if (info !== undefined && ownedByOthers(info))
          yield* fs.chown(path, uid, gid).pipe(failed("chown", path))
        // The umask may have narrowed a new directory's mode; a wider one lets others rewrite scripts.
        yield* fs.chmod(path, mode).pipe(failed("chmod", path))
      })

      /** The current content of a regular file at `path`, if there is one. */
      const currentContent = Effect.fnUntraced(function* (path: string) {
        const info = yield* lstatIfAny(path)
        if (info === undefined || info.type !== "File") return { info, content: undefined }
        const content = yield* fs.readFile(path).pipe(failed("read", path))
        return { info, content }
      })

      /** Temporary file beside the target, flushed, then renamed over it: never a partial script. */
      const writeAtomically = Effect.fnUntraced(function* (path: string, data: Uint8Array) {
        const temporary = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`
        yield* Effect.gen(function* () {
          yield* Effect.scoped(
            Effect.gen(function* () {
              const file = yield* fs.open(temporary, { flag: "wx", mode, noFollow: true })
              yield* file.writeAll(data)
              yield* file.sync
            }),
          ).pipe(failed("write", temporary))
          yield* fs.chmod(temporary, mode).pipe(failed("chmod", temporary))
          yield* fs.rename(temporary, path).pipe(failed("rename into", path))
        }).pipe(Effect.onError(() => fs.remove(temporary, { force: true }).pipe(Effect.ignore)))
        // The rename is durable once the directory is flushed too.
        yield* Effect.scoped(Effect.flatMap(fs.open(directory, { flag: "r" }), (dir) => dir.sync)).pipe(
          failed("flush", directory),
        )
      })

      const installOne = Effect.fnUntraced(function* ({ option, content }: Script) {
        const path = scriptPath(optDir, appName, option)
        const data = encoder.encode(content)
        const current = yield* currentContent(path)
        const same = current.content !== undefined && Buffer.compare(current.content, data) === 0
        if (same && !ownedByOthers(current.info)) {
          if ((current.info.mode & 0o7777) !== mode) {
            yield* fs.chmod(path, mode).pipe(failed("chmod", path))
          }
        } else if (current.info?.type === "Directory") {
          return yield* new ScriptStoreError({
            operation: "write",
            path,
            reason: "a directory is in the way",
          })
        } else {
          yield* writeAtomically(path, data)
        }
        return { option, path }
      })

      const install = Effect.fnUntraced(function* (scripts: ReadonlyArray<Script>) {
        yield* fs.makeDirectory(optDir || "/", { recursive: true }).pipe(failed("create directory", optDir))
        yield* ensureDirectory(charmDirectory(optDir))
        yield* ensureDirectory(appDirectory(optDir, appName))
        yield* ensureDirectory(directory)
        const installed = yield* Effect.forEach(scripts, installOne)
        const wanted = new Set(installed.map(({ path }) => path.slice(directory.length + 1)))
        const present = yield* fs.readDirectory(directory).pipe(failed("list", directory))
        for (const name of present) {
          if (wanted.has(name)) continue
          const path = `${directory}/${name}`
          yield* fs.remove(path, { recursive: true, force: true }).pipe(failed("delete", path))
        }
        return installed
      })

      const ownDirectory = appDirectory(optDir, appName)
      const removeAll = fs
        .remove(ownDirectory, { recursive: true, force: true })
        .pipe(failed("delete", ownDirectory))

      return ScriptStore.of({ install, removeAll })
    }),
  )

  static readonly layer = ScriptStore.layerNoDeps.pipe(Layer.provide(NodeFileSystem.layer))
}
