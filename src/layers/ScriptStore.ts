import type { Stats } from "node:fs"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { ScriptStoreError } from "../domain/failures.ts"
import type { ScriptOption } from "../domain/options.ts"
import { appDirectory, charmDirectory, scriptPath, scriptsDirectory } from "../domain/script-paths.ts"
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

/** Mode of the script files and of the directories that hold them. */
const mode = 0o755

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
  static readonly layer = Layer.effect(
    ScriptStore,
    Effect.gen(function* () {
      const { optDir, appName } = yield* JujuContext
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
          yield* step("create directory", path, () => mkdirSync(path, { mode }))
        } else if (!info.isDirectory()) {
          const what = info.isSymbolicLink() ? "a symbolic link" : "not a directory"
          return yield* new ScriptStoreError({
            operation: "use",
            path,
            reason: `${what}: refusing to follow it`,
          })
        } else if ((info.mode & 0o7777) === mode && !ownedByOthers(info)) {
          return
        }
        if (info !== undefined && ownedByOthers(info))
          yield* step("chown", path, () => chownSync(path, uid, gid))
        // The umask may have narrowed a new directory's mode; a wider one lets others rewrite scripts.
        yield* step("chmod", path, () => chmodSync(path, mode))
      })

      /** Temporary file beside the target, flushed, then renamed over it: never a partial script. */
      const writeAtomically = Effect.fnUntraced(function* (path: string, data: Buffer) {
        const temporary = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`
        yield* Effect.gen(function* () {
          const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW
          const fd = yield* step("write", temporary, () => openSync(temporary, flags, mode))
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
          yield* step("chmod", temporary, () => chmodSync(temporary, mode))
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
          if ((info.mode & 0o7777) !== mode) yield* step("chmod", path, () => chmodSync(path, mode))
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

      const install = Effect.fnUntraced(function* (scripts: ReadonlyArray<Script>) {
        yield* step("create directory", optDir, () => mkdirSync(optDir || "/", { recursive: true }))
        yield* ensureDirectory(charmDirectory(optDir))
        yield* ensureDirectory(appDirectory(optDir, appName))
        yield* ensureDirectory(directory)
        const installed = yield* Effect.forEach(scripts, installOne)
        const wanted = new Set(installed.map(({ path }) => path.slice(directory.length + 1)))
        const present = yield* step("list", directory, () => readdirSync(directory))
        for (const name of present) {
          if (wanted.has(name)) continue
          const path = `${directory}/${name}`
          yield* step("delete", path, () => rmSync(path, { recursive: true, force: true }))
        }
        return installed
      })

      const ownDirectory = appDirectory(optDir, appName)
      const removeAll = step("delete", ownDirectory, () =>
        rmSync(ownDirectory, { recursive: true, force: true }),
      )

      return ScriptStore.of({ install, removeAll })
    }),
  )
}
