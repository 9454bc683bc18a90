import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as PlatformError from "effect/PlatformError"
import { ScriptStoreError } from "../domain/failures.ts"
import type { ScriptOption } from "../domain/options.ts"
import {
  appDirectory,
  charmDirectory,
  isPythonEraDirectory,
  scriptPath,
  scriptsDirectory,
  unitsDirectory,
} from "../domain/script-paths.ts"
import type { Script } from "../domain/scripts.ts"
import { JujuContext } from "./JujuContext.ts"

/** Scripts often hold credentials and Bacula runs them as root: root alone may read them. */
const scriptMode = 0o700

/** The directories that hold them: others may look, never write. */
const directoryMode = 0o755

/** A script installed on this machine, at the path the leader publishes. */
export interface InstalledScript {
  readonly option: ScriptOption
  readonly path: string
}

/**
 * Why a step failed, in the system's own words ("ENOSPC: no space left on device, write"),
 * without the path Node appends: the error names it already.
 */
const reasonOf = ({ reason }: PlatformError.PlatformError): string => {
  const cause = reason.cause as NodeJS.ErrnoException | undefined
  if (cause instanceof Error && typeof cause.code === "string") {
    return cause.message.replace(/, \w+ '[^']*'( -> '[^']*')?$/, "")
  }
  return reason._tag === "BadArgument" ? reason.message : (reason.description ?? reason._tag)
}

/** One file-system step, its failure a typed error naming the operation and the path. */
const step = <A>(operation: string, path: string, effect: Effect.Effect<A, PlatformError.PlatformError>) =>
  Effect.mapError(effect, (error) => new ScriptStoreError({ operation, path, reason: reasonOf(error) }))

const isNotFound = (error: PlatformError.PlatformError) => error.reason._tag === "NotFound"

/**
 * The scripts of this application on the machine's disk, through Effect's FileSystem. Links
 * are never followed: every path is looked at with `lstat` before it is used, a new file is
 * created exclusively (a link in its place fails the open), and a rename replaces a link
 * rather than writing through it.
 */
export class ScriptStore extends Context.Service<
  ScriptStore,
  {
    /**
     * Writes each of `scripts`, atomically and only when its content differs, and records
     * that this unit uses the directory. Nothing is deleted: see `withdraw`.
     */
    readonly install: (
      scripts: ReadonlyArray<Script>,
    ) => Effect.Effect<ReadonlyArray<InstalledScript>, ScriptStoreError>
    /**
     * Deletes every script of this application, and every directory the Python charm left,
     * that holds none of the paths in `keep`: the scripts just installed, and any path a
     * committed databag may still name.
     */
    readonly withdraw: (keep: ReadonlyArray<string>) => Effect.Effect<void, ScriptStoreError>
    /**
     * This unit is going: the application's directory is deleted once no other unit of it on
     * this machine uses it; the Python charm's directories are deleted in any case.
     */
    readonly removeAll: Effect.Effect<void, ScriptStoreError>
  }
>()("backup-integrator/layers/ScriptStore") {
  static readonly layer = Layer.effect(
    ScriptStore,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const { optDir, appName, unitNumber } = yield* JujuContext
      const directory = scriptsDirectory(optDir, appName)
      const ownDirectory = appDirectory(optDir, appName)
      const units = unitsDirectory(optDir, appName)
      const unitMarker = `${units}/${unitNumber}`
      const uid = process.getuid?.() ?? 0
      const gid = process.getgid?.() ?? 0
      const ownedByOthers = (info: FileSystem.File.Info) => Option.getOrElse(info.uid, () => uid) !== uid

      const lstatIfAny = (path: string) =>
        step(
          "inspect",
          path,
          fs.lstat(path).pipe(
            Effect.map(Option.some),
            Effect.catchIf(isNotFound, () => Effect.succeedNone),
          ),
        )
      const list = (path: string) =>
        step("list", path, fs.readDirectory(path).pipe(Effect.catchIf(isNotFound, () => Effect.succeed([]))))
      const remove = (path: string) => step("delete", path, fs.remove(path, { recursive: true, force: true }))

      /**
       * Creates `path` if needed, owned by this user with mode 0755. A link planted there is
       * refused, never followed; an existing directory others could write to is repaired.
       */
      const ensureDirectory = Effect.fnUntraced(function* (path: string, { parents = false } = {}) {
        const found = yield* lstatIfAny(path)
        if (Option.isNone(found)) {
          // `parents`: /opt itself may be missing on a bare machine (or a test's stand-in).
          if (parents) yield* step("create directory", path, fs.makeDirectory(path, { recursive: true }))
          else yield* step("create directory", path, fs.makeDirectory(path, { mode: directoryMode }))
        } else if (found.value.type !== "Directory") {
          const what = found.value.type === "SymbolicLink" ? "a symbolic link" : "not a directory"
          return yield* new ScriptStoreError({
            operation: "use",
            path,
            reason: `${what}: refusing to follow it`,
          })
        } else if ((found.value.mode & 0o7777) === directoryMode && !ownedByOthers(found.value)) {
          return
        }
        if (Option.isSome(found) && ownedByOthers(found.value))
          yield* step("chown", path, fs.chown(path, uid, gid))
        // The umask may have narrowed a new directory's mode; a wider one lets others rewrite scripts.
        yield* step("chmod", path, fs.chmod(path, directoryMode))
      })

      /** Flushes a directory, so that a rename in it is durable. */
      const flush = (path: string) =>
        step("flush", path, Effect.scoped(Effect.flatMap(fs.open(path, { flag: "r" }), (dir) => dir.sync)))

      /** Temporary file beside the target, flushed, then renamed over it: never a partial script. */
      const writeAtomically = Effect.fnUntraced(function* (path: string, data: Uint8Array) {
        const temporary = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`
        yield* Effect.gen(function* () {
          yield* step(
            "write",
            temporary,
            Effect.scoped(
              Effect.gen(function* () {
                // Exclusive: a file or a link already there fails the open, nothing is followed.
                const file = yield* fs.open(temporary, { flag: "wx", mode: scriptMode })
                yield* file.writeAll(data)
                yield* file.sync
              }),
            ),
          )
          yield* step("chmod", temporary, fs.chmod(temporary, scriptMode))
          yield* step("rename into", path, fs.rename(temporary, path))
        }).pipe(Effect.onError(() => Effect.ignore(remove(temporary))))
        yield* flush(directory)
      })

      const installOne = Effect.fnUntraced(function* ({ option, content }: Script) {
        const path = scriptPath(optDir, appName, option)
        const data = new TextEncoder().encode(content)
        const found = yield* lstatIfAny(path)
        const current =
          Option.isSome(found) && found.value.type === "File"
            ? yield* step("read", path, fs.readFile(path))
            : undefined
        if (
          Option.isSome(found) &&
          current !== undefined &&
          Buffer.compare(current, data) === 0 &&
          !ownedByOthers(found.value)
        ) {
          if ((found.value.mode & 0o7777) !== scriptMode)
            yield* step("chmod", path, fs.chmod(path, scriptMode))
        } else if (Option.isSome(found) && found.value.type === "Directory") {
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
        yield* ensureDirectory(charmDirectory(optDir), { parents: true })
        yield* ensureDirectory(ownDirectory)
        yield* ensureDirectory(directory)
        yield* ensureDirectory(units)
        if (Option.isNone(yield* lstatIfAny(unitMarker))) {
          yield* step(
            "write",
            unitMarker,
            fs.writeFile(unitMarker, new Uint8Array(), { flag: "wx", mode: 0o644 }),
          )
        }
        return yield* Effect.forEach(scripts, installOne)
      })

      const removePythonEra = Effect.fnUntraced(function* (kept: (path: string) => boolean) {
        const root = charmDirectory(optDir)
        for (const name of yield* list(root)) {
          if (isPythonEraDirectory(name, appName) && !kept(`${root}/${name}`))
            yield* remove(`${root}/${name}`)
        }
      })

      const withdraw = Effect.fnUntraced(function* (keep: ReadonlyArray<string>) {
        const kept = (path: string) => keep.some((named) => named === path || named.startsWith(`${path}/`))
        for (const name of yield* list(directory)) {
          if (!kept(`${directory}/${name}`)) yield* remove(`${directory}/${name}`)
        }
        yield* removePythonEra(kept)
      })

      const removeAll = Effect.gen(function* () {
        yield* remove(unitMarker)
        if ((yield* list(units)).length === 0) yield* remove(ownDirectory)
        yield* removePythonEra(() => false)
      })

      return ScriptStore.of({ install, withdraw, removeAll })
    }),
  )
}
