import { closeSync, constants, fchmodSync, fchownSync, fstatSync, openSync, readSync } from "node:fs"
import { isTrusted } from "../domain/trusted-file.ts"

// What the charm does to a path through a descriptor rather than by name, in plain Node: the
// program (src/layers/Descriptors.ts) and the code cache's loader (src/entry/code-cache.ts)
// both use it. The descriptor is opened without following a link (O_NOFOLLOW) and without
// waiting (O_NONBLOCK: a FIFO opens at once), so what is checked is what is used: another user
// swapping the path after the check changes nothing of it.

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants

/** The refusals that mean the path is not a file the charm made: missing, a link, a socket. */
const notAFile = new Set(["ENOENT", "ELOOP", "ENXIO"])

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? ""

/**
 * The content of the file at `path`, if the charm can trust it (src/domain/trusted-file.ts):
 * undefined when it is missing, a link, or anything else than a regular file of this user's
 * that no one else may write, of at most `maxBytes`. Other errors are thrown.
 */
export const readTrustedFile = (path: string, maxBytes: number): Uint8Array | undefined => {
  let fd: number
  try {
    fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
  } catch (error) {
    if (notAFile.has(codeOf(error))) return undefined
    throw error
  }
  try {
    const stat = fstatSync(fd)
    const opened = { regular: stat.isFile(), uid: stat.uid, mode: stat.mode, size: stat.size }
    if (!isTrusted(opened, process.getuid?.() ?? 0, maxBytes)) return undefined
    // One byte more than allowed: a file that grew since fstat is refused, not cut.
    const buffer = Buffer.allocUnsafe(maxBytes + 1)
    let length = 0
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null)
      if (read === 0) break
      length += read
    }
    return length > maxBytes ? undefined : buffer.subarray(0, length)
  } finally {
    closeSync(fd)
  }
}

/**
 * Makes the directory at `path` owned by `uid`:`gid` with `mode`, changing it through the
 * descriptor: anything but a directory there, a link included, fails (ENOTDIR).
 */
export const claimDirectory = (
  path: string,
  { uid, gid, mode }: { readonly uid: number; readonly gid: number; readonly mode: number },
): void => {
  const fd = openSync(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK)
  try {
    const stat = fstatSync(fd)
    if (stat.uid !== uid || stat.gid !== gid) fchownSync(fd, uid, gid)
    if ((stat.mode & 0o7777) !== mode) fchmodSync(fd, mode)
  } finally {
    closeSync(fd)
  }
}
