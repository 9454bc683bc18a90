import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PlatformError from "effect/PlatformError"
import { claimDirectory, readTrustedFile } from "./no-follow-descriptors.ts"

const tags: Readonly<Record<string, PlatformError.SystemErrorTag>> = {
  ENOENT: "NotFound",
  EACCES: "PermissionDenied",
  EPERM: "PermissionDenied",
  EEXIST: "AlreadyExists",
  ENOTDIR: "BadResource",
  ELOOP: "BadResource",
}

/** A Node error as Effect's FileSystem reports it (NodeFileSystem's own mapping). */
const platformError = (method: string, path: string) => (error: unknown) => {
  const cause = error as NodeJS.ErrnoException
  return PlatformError.systemError({
    _tag: tags[cause.code ?? ""] ?? "Unknown",
    module: "FileSystem",
    method,
    syscall: cause.syscall,
    pathOrDescriptor: path,
    cause,
  })
}

/**
 * What Effect's FileSystem cannot do: act on a path through a descriptor opened without
 * following a link or blocking, so that what was checked is what is changed or read
 * (src/layers/no-follow-descriptors.ts). The unit tests give an in-memory one over the same disk as
 * their FileSystem (test/support/memory-file-system.ts).
 */
export class Descriptors extends Context.Service<
  Descriptors,
  {
    /** Makes the directory at `path` `uid`:`gid`'s with `mode`; a link or a file there fails. */
    readonly claimDirectory: (
      path: string,
      owner: { readonly uid: number; readonly gid: number; readonly mode: number },
    ) => Effect.Effect<void, PlatformError.PlatformError>
    /**
     * The content of the file at `path` when the charm can trust it (src/domain/trusted-file.ts):
     * none when it is missing, a link, a FIFO or anything but a regular file of this user's
     * that no one else may write, of at most `maxBytes`.
     */
    readonly readTrusted: (
      path: string,
      maxBytes: number,
    ) => Effect.Effect<Option.Option<Uint8Array>, PlatformError.PlatformError>
  }
>()("backup-integrator/layers/Descriptors") {
  static readonly layer = Layer.succeed(
    Descriptors,
    Descriptors.of({
      claimDirectory: (path, owner) =>
        Effect.try({ try: () => claimDirectory(path, owner), catch: platformError("claimDirectory", path) }),
      readTrusted: (path, maxBytes) =>
        Effect.try({
          try: () => Option.fromNullishOr(readTrustedFile(path, maxBytes)),
          catch: platformError("readTrusted", path),
        }),
    }),
  )
}
