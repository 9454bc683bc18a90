import * as Effect from "effect/Effect"
import type * as FileSystem from "effect/FileSystem"
import * as Option from "effect/Option"
import { lstatIfAny, step } from "./disk-steps.ts"

const sameFile = (a: FileSystem.File.Info, b: FileSystem.File.Info) =>
  Option.getOrUndefined(a.ino) === Option.getOrUndefined(b.ino) && a.dev === b.dev

/**
 * A file the runner wrote, read only when it is a regular file of at most `maxBytes`: none
 * when it is missing, or anything else. Effect's FileSystem opens with no O_NOFOLLOW or
 * O_NONBLOCK, so the path is looked at with `lstat` first (a link, a FIFO or a device is
 * never opened), and the file opened must be the one looked at (a rename in between is
 * refused); at most `maxBytes` are read, whatever it has grown to since.
 */
export const readRegularFile = Effect.fnUntraced(function* (
  fs: FileSystem.FileSystem,
  path: string,
  maxBytes: number,
) {
  const found = yield* lstatIfAny(fs, path)
  if (Option.isNone(found) || found.value.type !== "File" || Number(found.value.size) > maxBytes)
    return Option.none<Uint8Array>()
  return yield* step(
    "read",
    path,
    Effect.scoped(
      Effect.gen(function* () {
        const file = yield* fs.open(path, { flag: "r" })
        const opened = yield* file.stat
        if (opened.type !== "File" || !sameFile(opened, found.value)) return Option.none<Uint8Array>()
        return yield* file.readAlloc(maxBytes)
      }),
    ).pipe(
      Effect.catchIf(
        (error) => error.reason._tag === "NotFound",
        () => Effect.succeedNone,
      ),
    ),
  )
})
