import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import type * as PlatformError from "effect/PlatformError"
import { DiskError } from "../domain/failures.ts"
import type { FileStat } from "../domain/file-fingerprint.ts"

// File-system steps shared by every layer that keeps the charm's files on the machine: each
// failure a DiskError naming the operation and the path.

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
export const step = <A>(
  operation: string,
  path: string,
  effect: Effect.Effect<A, PlatformError.PlatformError>,
) => Effect.mapError(effect, (error) => new DiskError({ operation, path, reason: reasonOf(error) }))

const isNotFound = (error: PlatformError.PlatformError) => error.reason._tag === "NotFound"

/** `lstat`, a missing path being none. */
export const lstatIfAny = (fs: FileSystem.FileSystem, path: string) =>
  step(
    "inspect",
    path,
    fs.lstat(path).pipe(
      Effect.map(Option.some),
      Effect.catchIf(isNotFound, () => Effect.succeedNone),
    ),
  )

/** A directory's entries, none when it is missing. */
export const list = (fs: FileSystem.FileSystem, path: string) =>
  step("list", path, fs.readDirectory(path).pipe(Effect.catchIf(isNotFound, () => Effect.succeed([]))))

/**
 * Deletes `path`: a file or a link as one name (a link is never followed); a directory with what
 * it holds, entered only when it is this user's alone (root's: owned by it, writable by nobody
 * else), so that nobody can swap an entry for a link while root deletes under it (the charm's
 * tree above is root's alone too: it is taken over at every reconcile). A directory another
 * user owns or may write to (planted before the charm took its parent over) is left alone and
 * the delete fails naming it: deleting in it would let that user steer root's deletes.
 */
export const remove = (fs: FileSystem.FileSystem, path: string): Effect.Effect<void, DiskError> =>
  Effect.gen(function* () {
    const found = yield* lstatIfAny(fs, path)
    if (Option.isNone(found)) return
    const info = found.value
    if (info.type === "Directory") {
      if (Option.getOrElse(info.uid, () => -1) !== (process.getuid?.() ?? 0) || (info.mode & 0o022) !== 0)
        return yield* new DiskError({
          operation: "delete",
          path,
          reason:
            "a directory another user owns or may write to: left alone (look at what it holds, then delete it)",
        })
      for (const name of yield* list(fs, path)) yield* remove(fs, `${path}/${name}`)
    }
    // What is left is one name: a file, a link, or the directory now empty (nobody else can add to it).
    yield* step("delete", path, fs.remove(path, { recursive: info.type === "Directory", force: true }))
  })

/**
 * Writes `data` to `path` whole or not at all: a temporary file beside it, created
 * exclusively (a file or a link already there fails the open, nothing is followed) with
 * `mode`, then renamed over it (a link there is replaced, not written through). The temporary
 * name is short whatever the file's (a name may have Linux's 255 bytes: a credentials key) and
 * starts with a dot, which no script option or credentials key does. `durable` flushes the
 * file and its directory first, for what must survive a crash; `modified` (ms since 1970) sets
 * its modification time before it takes the name. A failure names `path`.
 */
export const writeAtomically = Effect.fnUntraced(function* (
  fs: FileSystem.FileSystem,
  path: string,
  data: Uint8Array,
  {
    mode,
    durable,
    modified,
  }: { readonly mode: number; readonly durable: boolean; readonly modified?: number },
) {
  const directory = path.slice(0, path.lastIndexOf("/"))
  const temporary = `${directory}/.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`
  yield* Effect.gen(function* () {
    yield* step(
      "write",
      path,
      Effect.scoped(
        Effect.gen(function* () {
          const file = yield* fs.open(temporary, { flag: "wx", mode })
          yield* file.writeAll(data)
          if (durable) yield* file.sync
        }),
      ),
    )
    // The umask may have narrowed the mode.
    yield* step("chmod", path, fs.chmod(temporary, mode))
    if (modified !== undefined) {
      // A Date: Node reads a number as seconds.
      const time = new Date(modified)
      yield* step("set the times of", path, fs.utimes(temporary, time, time))
    }
    yield* step("rename into", path, fs.rename(temporary, path))
  }).pipe(Effect.onError(() => Effect.ignore(remove(fs, temporary))))
  if (durable) {
    yield* step(
      "flush",
      directory,
      Effect.scoped(Effect.flatMap(fs.open(directory, { flag: "r" }), (dir) => dir.sync)),
    )
  }
})

/** What the fingerprint of a path is made of, from Effect's FileSystem. */
export const fileStatOf = (info: FileSystem.File.Info): FileStat => ({
  type: info.type,
  mode: info.mode,
  uid: Option.getOrElse(info.uid, () => -1),
  gid: Option.getOrElse(info.gid, () => -1),
  size: BigInt(info.size),
  mtimeMs: Option.match(info.mtime, { onNone: () => -1, onSome: (date) => date.getTime() }),
  ino: Option.match(info.ino, { onNone: () => -1n, onSome: (ino) => BigInt(ino) }),
})
