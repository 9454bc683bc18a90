import type { Stats } from "node:fs"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
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

// Taken with getBuiltinModule, not imported: Node's ESM import of node:fs builds a namespace
// of every export, and reading them runs fs's lazy getters (fs/promises, streams, readline),
// about 8 ms of every hook for modules the hook never uses.
const {
  chmodSync,
  chownSync,
  closeSync,
  constants,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} = process.getBuiltinModule("node:fs")

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
 * One file-system step. Node's own words ("ENOSPC: no space left on device, write") say best
 * what went wrong; the path is dropped from them, the error names it already.
 */
const step = <A>(operation: string, path: string, f: () => A) =>
  Effect.try({
    try: f,
    catch: (error) =>
      new ScriptStoreError({
        operation,
        path,
        reason:
          error instanceof Error ? error.message.replace(/, \w+ '[^']*'( -> '[^']*')?$/, "") : String(error),
      }),
  })

/**
 * The scripts of this application on the machine's disk. Built on node:fs directly, with its
 * synchronous calls: a dozen small steps, each quicker than a trip through the thread pool,
 * and @effect/platform-node's FileSystem would cost every hook about 20 ms to load.
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
      const { optDir, appName, unitNumber } = yield* JujuContext
      const directory = scriptsDirectory(optDir, appName)
      const uid = process.getuid?.() ?? 0
      const gid = process.getgid?.() ?? 0
      const ownedByOthers = (info: Stats) => info.uid !== uid
      const lstatIfAny = (path: string) =>
        step("inspect", path, () => lstatSync(path, { throwIfNoEntry: false }))

      /**
       * Creates `path` if needed, owned by this user with mode 0755. A link planted there is
       * refused, never followed; an existing directory others could write to is repaired.
       */
      const ensureDirectory = Effect.fnUntraced(function* (path: string) {
        const info = yield* lstatIfAny(path)
        if (info === undefined) {
          yield* step("create directory", path, () => mkdirSync(path, { mode: directoryMode }))
        } else if (!info.isDirectory()) {
          const what = info.isSymbolicLink() ? "a symbolic link" : "not a directory"
          return yield* new ScriptStoreError({
            operation: "use",
            path,
            reason: `${what}: refusing to follow it`,
          })
        } else if ((info.mode & 0o7777) === directoryMode && !ownedByOthers(info)) {
          return
        }
        if (info !== undefined && ownedByOthers(info))
          yield* step("chown", path, () => chownSync(path, uid, gid))
        // The umask may have narrowed a new directory's mode; a wider one lets others rewrite scripts.
        yield* step("chmod", path, () => chmodSync(path, directoryMode))
      })

      /** Temporary file beside the target, flushed, then renamed over it: never a partial script. */
      const writeAtomically = Effect.fnUntraced(function* (path: string, data: Buffer) {
        const temporary = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`
        yield* Effect.gen(function* () {
          const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW
          const fd = yield* step("write", temporary, () => openSync(temporary, flags, scriptMode))
          yield* step("write", temporary, () => {
            try {
              for (let written = 0; written < data.length; ) {
                written += writeSync(fd, data, written, data.length - written)
              }
              fsyncSync(fd)
            } finally {
              closeSync(fd)
            }
          })
          yield* step("chmod", temporary, () => chmodSync(temporary, scriptMode))
          yield* step("rename into", path, () => renameSync(temporary, path))
        }).pipe(
          Effect.onError(() =>
            Effect.ignore(step("delete", temporary, () => rmSync(temporary, { force: true }))),
          ),
        )
        // The rename is durable once the directory is flushed too.
        yield* step("flush", directory, () => {
          const fd = openSync(directory, constants.O_RDONLY)
          try {
            fsyncSync(fd)
          } finally {
            closeSync(fd)
          }
        })
      })

      const installOne = Effect.fnUntraced(function* ({ option, content }: Script) {
        const path = scriptPath(optDir, appName, option)
        const data = Buffer.from(content, "utf8")
        const info = yield* lstatIfAny(path)
        const current = info?.isFile() ? yield* step("read", path, () => readFileSync(path)) : undefined
        if (info && current?.equals(data) && !ownedByOthers(info)) {
          if ((info.mode & 0o7777) !== scriptMode)
            yield* step("chmod", path, () => chmodSync(path, scriptMode))
        } else if (info?.isDirectory()) {
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

      const ownDirectory = appDirectory(optDir, appName)
      const units = unitsDirectory(optDir, appName)
      const unitMarker = `${units}/${unitNumber}`
      const remove = (path: string) =>
        step("delete", path, () => rmSync(path, { recursive: true, force: true }))
      const list = (path: string) =>
        step("list", path, () => (lstatSync(path, { throwIfNoEntry: false }) ? readdirSync(path) : []))

      const install = Effect.fnUntraced(function* (scripts: ReadonlyArray<Script>) {
        yield* step("create directory", optDir, () => mkdirSync(optDir || "/", { recursive: true }))
        yield* ensureDirectory(charmDirectory(optDir))
        yield* ensureDirectory(ownDirectory)
        yield* ensureDirectory(directory)
        yield* ensureDirectory(units)
        if ((yield* lstatIfAny(unitMarker)) === undefined) {
          yield* step("write", unitMarker, () => closeSync(openSync(unitMarker, "a", 0o644)))
        }
        return yield* Effect.forEach(scripts, installOne)
      })

      const withdraw = Effect.fnUntraced(function* (keep: ReadonlyArray<string>) {
        const kept = (path: string) => keep.some((named) => named === path || named.startsWith(`${path}/`))
        for (const name of yield* list(directory)) {
          if (!kept(`${directory}/${name}`)) yield* remove(`${directory}/${name}`)
        }
        yield* removePythonEra(kept)
      })

      const removePythonEra = Effect.fnUntraced(function* (kept: (path: string) => boolean) {
        const root = charmDirectory(optDir)
        for (const name of yield* list(root)) {
          if (isPythonEraDirectory(name, appName) && !kept(`${root}/${name}`))
            yield* remove(`${root}/${name}`)
        }
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
