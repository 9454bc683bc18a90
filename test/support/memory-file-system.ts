// Effect's FileSystem, and the charm's Descriptors beside it, over an in-memory disk, for unit
// tests of what runs on the real one: directories, files, symbolic links and FIFOs with modes
// and owners, Linux's answers (errno codes, Node's wording) where a call cannot be done, and
// faults injected by operation and path.
import * as ByteSize from "effect/ByteSize"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as PlatformError from "effect/PlatformError"
import { isTrusted } from "../../src/domain/trusted-file.ts"
import { Descriptors } from "../../src/layers/Descriptors.ts"

export type Entry =
  | { readonly type: "File"; data: Uint8Array; mode: number; uid: number }
  | { readonly type: "Directory"; mode: number; uid: number }
  | { readonly type: "SymbolicLink"; readonly target: string; mode: number; uid: number }
  /** A named pipe: opening it to read waits for a writer, which never comes here. */
  | { readonly type: "FIFO"; mode: number; uid: number }

type Errno =
  | "ENOENT"
  | "EEXIST"
  | "ENOTDIR"
  | "EISDIR"
  | "ENOTEMPTY"
  | "ENOSPC"
  | "EACCES"
  | "EROFS"
  | "EIO"
  | "ENAMETOOLONG"

const words: Record<Errno, string> = {
  ENOENT: "no such file or directory",
  EEXIST: "file already exists",
  ENOTDIR: "not a directory",
  EISDIR: "illegal operation on a directory",
  ENOTEMPTY: "directory not empty",
  ENOSPC: "no space left on device",
  EACCES: "permission denied",
  EROFS: "read-only file system",
  EIO: "i/o error",
  ENAMETOOLONG: "name too long",
}
const tags: Partial<Record<Errno, PlatformError.SystemErrorTag>> = {
  ENOENT: "NotFound",
  EEXIST: "AlreadyExists",
  EACCES: "PermissionDenied",
  ENOTDIR: "BadResource",
  EISDIR: "BadResource",
}

/** The operations faults can be injected into, as Node names the system calls. */
export type Operation =
  | "lstat"
  | "stat"
  | "mkdir"
  | "chmod"
  | "utime"
  | "chown"
  | "open"
  | "write"
  | "fsync"
  | "read"
  | "readdir"
  | "rm"
  | "rename"

export interface MemoryDisk {
  readonly entries: Map<string, Entry>
  /** The paths flushed (fsync), in order: files and directories. */
  readonly flushed: Array<string>
  /** An errno for an operation on a path, to fail it as the system would. */
  fault: (operation: Operation, path: string) => Errno | undefined
}

const umask = 0o022

// Inode numbers and modification times, as the fingerprint of a file reads them
// (src/domain/file-fingerprint.ts): a new entry gets a new inode, a write a later time, and
// so does a directory when an entry is added to it, removed or renamed (as on Linux).
let clock = 0
const inodes = new WeakMap<Entry, number>()
const mtimes = new WeakMap<Entry, number>()
const inodeOf = (entry: Entry) => {
  if (!inodes.has(entry)) inodes.set(entry, ++clock)
  return inodes.get(entry) as number
}
const touch = (entry: Entry) => void mtimes.set(entry, ++clock)

/** A disk holding only `/`, owned by this process's user, as the code under test runs. */
export const memoryDisk = (uid = process.getuid?.() ?? 0): MemoryDisk & { readonly uid: number } => ({
  entries: new Map<string, Entry>([["/", { type: "Directory", mode: 0o40755, uid }]]),
  flushed: [],
  fault: () => undefined,
  uid,
})

/** Linux's NAME_MAX: a longer path component fails any call with ENAMETOOLONG. */
const nameMax = 255
const nameTooLong = (path: string) =>
  path.split("/").some((name) => new TextEncoder().encode(name).length > nameMax)

const parentOf = (path: string) => path.slice(0, Math.max(path.lastIndexOf("/"), 1))
const normal = (path: string) =>
  `/${path
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .join("/")}`
const touchParent = (entries: ReadonlyMap<string, Entry>, path: string) => {
  const parent = entries.get(parentOf(path))
  if (parent !== undefined) touch(parent)
}

const failure = (code: Errno, method: string, syscall: string, path: string) =>
  new PlatformError.PlatformError(
    new PlatformError.SystemError({
      _tag: tags[code] ?? "Unknown",
      module: "FileSystem",
      method,
      syscall,
      pathOrDescriptor: path,
      // As Node words it: a call on a descriptor (write, fsync) names no path.
      cause: Object.assign(
        new Error(
          `${code}: ${words[code]}, ${syscall}${/^(write|fsync)$/.test(syscall) ? "" : ` '${path}'`}`,
        ),
        {
          code,
          syscall,
          path,
        },
      ),
    }),
  )

/** The FileSystem and the Descriptors over one in-memory disk. */
const memoryMachine = (
  disk: MemoryDisk & { readonly uid: number },
): { readonly fileSystem: FileSystem.FileSystem; readonly descriptors: Descriptors["Service"] } => {
  const { entries } = disk

  /** The path with every link among its parents followed (and the last one too, if `follow`). */
  const resolve = (raw: string, follow: boolean, depth = 0): string => {
    const path = normal(raw)
    if (path === "/" || depth > 40) return path
    const parent = resolve(parentOf(path), true, depth + 1)
    const here = `${parent === "/" ? "" : parent}/${path.slice(path.lastIndexOf("/") + 1)}`
    const entry = entries.get(here)
    if (follow && entry?.type === "SymbolicLink") {
      return resolve(
        entry.target.startsWith("/") ? entry.target : `${parent}/${entry.target}`,
        true,
        depth + 1,
      )
    }
    return here
  }

  /** Runs `f` on the resolved path unless a fault or a missing parent stops it. */
  const op = <A>(
    operation: Operation,
    method: string,
    raw: string,
    follow: boolean,
    f: (path: string, fail: (code: Errno) => never) => A,
  ): Effect.Effect<A, PlatformError.PlatformError> =>
    Effect.suspend(() => {
      const path = resolve(raw, follow)
      const fail = (code: Errno): never => {
        throw failure(code, method, operation, raw)
      }
      try {
        const injected = disk.fault(operation, normal(raw))
        if (injected !== undefined) fail(injected)
        if (nameTooLong(raw)) fail("ENAMETOOLONG")
        const parent = entries.get(parentOf(path))
        if (path !== "/" && parent === undefined) fail("ENOENT")
        if (path !== "/" && parent?.type !== "Directory") fail("ENOTDIR")
        return Effect.succeed(f(path, fail))
      } catch (error) {
        if (error instanceof PlatformError.PlatformError) return Effect.fail(error)
        throw error
      }
    })

  const info = (entry: Entry): FileSystem.File.Info => ({
    type: entry.type,
    mtime: Option.some(new Date(mtimes.get(entry) ?? 0)),
    atime: Option.none(),
    birthtime: Option.none(),
    dev: 0n,
    rdev: Option.none(),
    ino: Option.some(BigInt(inodeOf(entry))),
    mode: entry.mode,
    nlink: Option.none(),
    uid: Option.some(entry.uid),
    gid: Option.some(entry.uid),
    size: ByteSize.bytes(entry.type === "File" ? entry.data.length : 0),
    blksize: Option.none(),
    blocks: Option.none(),
  })

  const existing = (path: string, fail: (code: Errno) => never) => entries.get(path) ?? fail("ENOENT")
  const children = (path: string) => [...entries.keys()].filter((p) => p !== path && parentOf(p) === path)
  const typeBits = { File: 0o100000, Directory: 0o40000, SymbolicLink: 0o120000 }

  /** Opening a FIFO to read it waits for a writer: here, forever. Made loud instead of hanging. */
  const readable = (path: string, entry: Entry) => {
    if (entry.type === "FIFO") throw new Error(`memory file system: blocked forever opening FIFO ${path}`)
    return entry
  }

  const createFile = (path: string, fail: (code: Errno) => never, mode = 0o666) => {
    if (entries.has(path)) fail("EEXIST")
    const file: Extract<Entry, { type: "File" }> = {
      type: "File",
      data: new Uint8Array(),
      mode: typeBits.File | (mode & ~umask),
      uid: disk.uid,
    }
    entries.set(path, file)
    touchParent(entries, path)
    return file
  }

  const openFile = (raw: string, path: string, file: Entry): FileSystem.File =>
    ({
      [FileSystem.FileTypeId]: FileSystem.FileTypeId,
      stat: Effect.succeed(info(file)),
      sync: op("fsync", "sync", raw, true, () => void disk.flushed.push(path)),
      writeAll: (buffer: Uint8Array) =>
        op("write", "writeAll", raw, true, (_, fail) => {
          if (file.type !== "File") return fail("EISDIR")
          const data = new Uint8Array(file.data.length + buffer.length)
          data.set(file.data)
          data.set(buffer, file.data.length)
          file.data = data
          touch(file)
        }),
    }) as unknown as FileSystem.File

  const fileSystem = FileSystem.makeNoop({
    lstat: (raw) => op("lstat", "lstat", raw, false, (path, fail) => info(existing(path, fail))),
    stat: (raw) => op("stat", "stat", raw, true, (path, fail) => info(existing(path, fail))),
    // As Effect's own: access, links followed; a missing path (or parent) is false.
    exists: (raw) =>
      op("stat", "exists", raw, true, (path) => entries.has(path)).pipe(
        Effect.catchIf(
          (error) => error.reason._tag === "NotFound",
          () => Effect.succeed(false),
        ),
      ),
    makeDirectory: (raw, options) =>
      op("mkdir", "makeDirectory", raw, false, (path, fail) => {
        if (entries.has(path))
          return options?.recursive && entries.get(path)?.type === "Directory" ? undefined : fail("EEXIST")
        entries.set(path, {
          type: "Directory",
          mode: typeBits.Directory | ((options?.mode ?? 0o777) & ~umask),
          uid: disk.uid,
        })
        touchParent(entries, path)
      }).pipe(
        Effect.catchIf(
          (error) => options?.recursive === true && error.reason._tag === "NotFound",
          () =>
            Effect.andThen(
              fileSystem.makeDirectory(parentOf(normal(raw)), { recursive: true }),
              fileSystem.makeDirectory(raw, options ?? {}),
            ),
        ),
      ),
    chmod: (raw, mode) =>
      op("chmod", "chmod", raw, true, (path, fail) => {
        const entry = existing(path, fail)
        entry.mode = (entry.mode & ~0o7777) | mode
      }),
    // Times are not modelled: only that the path is there.
    utimes: (raw) =>
      op("utime", "utimes", raw, true, (path, fail) => {
        existing(path, fail)
      }),
    chown: (raw, uid) =>
      op("chown", "chown", raw, true, (path, fail) => {
        existing(path, fail).uid = uid
      }),
    open: (raw, options) =>
      op("open", "open", raw, true, (path, fail) => {
        const flag = options?.flag ?? "r"
        if (flag === "wx") return openFile(raw, path, createFile(resolve(raw, false), fail, options?.mode))
        if (flag !== "r") throw new Error(`memory file system: open flag ${flag} not modelled`)
        return openFile(raw, path, readable(path, existing(path, fail)))
      }),
    readFile: (raw) =>
      op("read", "readFile", raw, true, (path, fail) => {
        const entry = readable(path, existing(path, fail))
        return entry.type === "File" ? entry.data : fail("EISDIR")
      }),
    readDirectory: (raw) =>
      op("readdir", "readDirectory", raw, true, (path, fail) =>
        existing(path, fail).type === "Directory"
          ? children(path).map((p) => p.slice(p.lastIndexOf("/") + 1))
          : fail("ENOTDIR"),
      ),
    remove: (raw, options) =>
      op("rm", "remove", raw, false, (path, fail) => {
        const entry = entries.get(path)
        if (entry === undefined) return options?.force ? undefined : fail("ENOENT")
        const below = [...entries.keys()].filter((p) => p.startsWith(`${path}/`))
        if (entry.type === "Directory" && below.length > 0 && !options?.recursive) fail("ENOTEMPTY")
        for (const p of [path, ...below]) entries.delete(p)
        touchParent(entries, path)
      }),
    rename: (rawFrom, rawTo) =>
      op("rename", "rename", rawFrom, false, (from, fail) => {
        if (nameTooLong(rawTo)) fail("ENAMETOOLONG")
        const moved = existing(from, fail)
        const to = resolve(rawTo, false)
        if (entries.get(to)?.type === "Directory" && moved.type !== "Directory") fail("EISDIR")
        if (!entries.has(parentOf(to))) fail("ENOENT")
        const below = [...entries.entries()].filter(([p]) => p.startsWith(`${from}/`))
        for (const [p] of below) entries.delete(p)
        entries.delete(from)
        entries.set(to, moved)
        for (const [p, e] of below) entries.set(`${to}${p.slice(from.length)}`, e)
        touchParent(entries, from)
        touchParent(entries, to)
      }),
    writeFile: (raw, data, options) =>
      // Exclusive: a link in the way is not followed, and fails as any existing entry does.
      op("write", "writeFile", raw, false, (path, fail) => {
        const flag = options?.flag ?? "w"
        if (flag !== "wx") throw new Error(`memory file system: writeFile flag ${flag} not modelled`)
        const file = createFile(path, fail, options?.mode)
        file.data = data
        touch(file)
      }),
  })

  /** As src/layers/no-follow-descriptors.ts on Linux: opened with O_NOFOLLOW|O_NONBLOCK, then fstat. */
  const descriptors = Descriptors.of({
    claimDirectory: (raw, { uid, mode }) =>
      op("open", "claimDirectory", raw, false, (path, fail) => {
        const entry = existing(path, fail)
        // O_DIRECTORY|O_NOFOLLOW: Linux answers ENOTDIR for a link too.
        if (entry.type !== "Directory") fail("ENOTDIR")
        const injected = disk.fault("chown", normal(raw)) ?? disk.fault("chmod", normal(raw))
        if (injected !== undefined) fail(injected)
        entry.uid = uid
        entry.mode = (entry.mode & ~0o7777) | mode
      }),
    readTrusted: (raw, maxBytes) =>
      op("open", "readTrusted", raw, false, (path) => {
        const entry = entries.get(path)
        // Missing, a link (O_NOFOLLOW), a FIFO (opened without waiting), a directory: none is a record.
        if (entry?.type !== "File") return Option.none()
        const opened = { regular: true, uid: entry.uid, mode: entry.mode, size: entry.data.length }
        return isTrusted(opened, disk.uid, maxBytes) ? Option.some(entry.data) : Option.none()
      }).pipe(
        Effect.catchIf(
          (error) => error.reason._tag === "NotFound",
          () => Effect.succeedNone,
        ),
      ),
  })

  return { fileSystem, descriptors }
}

export const memoryFileSystem = (disk: MemoryDisk & { readonly uid: number }): FileSystem.FileSystem =>
  memoryMachine(disk).fileSystem

/** The FileSystem service over `disk`, and the Descriptors over the same disk. */
export const memoryFileSystemLayer = (disk: MemoryDisk & { readonly uid: number }) => {
  const { fileSystem, descriptors } = memoryMachine(disk)
  return Layer.merge(
    Layer.succeed(FileSystem.FileSystem, fileSystem),
    Layer.succeed(Descriptors, descriptors),
  )
}

/** Puts a file on the disk, its directories too (mode 0755, 0644 for the file). */
export const putFile = (
  disk: MemoryDisk & { readonly uid: number },
  path: string,
  content: string,
  mode = 0o644,
) => {
  const parts = normal(path).split("/").slice(1)
  for (let i = 1; i < parts.length; i++) {
    const dir = `/${parts.slice(0, i).join("/")}`
    if (!disk.entries.has(dir)) {
      disk.entries.set(dir, { type: "Directory", mode: 0o40755, uid: disk.uid })
      touchParent(disk.entries, dir)
    }
  }
  const file: Entry = {
    type: "File",
    data: new TextEncoder().encode(content),
    mode: 0o100000 | mode,
    uid: disk.uid,
  }
  touch(file)
  disk.entries.set(normal(path), file)
  touchParent(disk.entries, normal(path))
}

/** A file's bytes, if the path (links not followed) is a file. */
export const fileBytes = (disk: MemoryDisk, path: string): Uint8Array | undefined => {
  const entry = disk.entries.get(normal(path))
  return entry?.type === "File" ? entry.data : undefined
}

/** A file's content, if the path (links not followed) is a file. */
export const fileContent = (disk: MemoryDisk, path: string): string | undefined => {
  const entry = disk.entries.get(normal(path))
  return entry?.type === "File" ? new TextDecoder().decode(entry.data) : undefined
}
