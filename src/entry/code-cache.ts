// V8's code cache for the hook program, made after a hook has run. Node's own compile cache
// (module.enableCompileCache) is written as soon as a module is compiled, so it holds only
// the code that runs as the module loads: every other function of the program (most of
// Effect's) was parsed and compiled again by every hook. A cache made once the hook is done
// holds every function it ran, and it is made by one hook only, as it costs several ms.
//
// V8 runs what the cache holds, as root, and checks only that the source has the same length
// (and its own version and flags): `juju refresh` replaces the program but keeps the cache,
// and a new program of the same length would run the old compiled code, or fail to parse in
// every hook. So the cache file carries a copy of the program it was made from, compared byte
// for byte before V8 sees the data (a memcmp: no hash to compute, nothing to collide), and it
// is used only when nobody but the hook's user (root) could have written it.

import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs"
import { dirname } from "node:path"
import { Script } from "node:vm"
import { claimDirectory, readTrustedFile } from "../layers/no-follow-descriptors.ts"

// Wrapped as Node wraps a CommonJS module: what the bundle imports of Node (node:fs...) it
// requires with the `require` given (the entry's own: node:module's createRequire would
// cost every hook the loading of that module).
const head = '(function (module, exports, require) {"use strict";'
const tail = "\n})"

/**
 * The cache file: a JSON line saying what the data was made from (the wrapper, Node's and V8's
 * versions, the program's length) and how many hook-tool calls the hook that made it ran; then
 * the program's bytes; then V8's data. V8 checks its flags itself (its data holds a hash of
 * them, and data made under other flags is rejected).
 */
const madeFrom = (program: Buffer) => ({
  format: "backup-integrator code cache 2",
  node: process.version,
  v8: process.versions.v8,
  head,
  tail,
  programBytes: program.length,
})

/** Larger than any cache of the program: a file beyond it is not one. */
const maxCacheBytes = 8 * 1024 * 1024

/**
 * Whether the cache's directory is root's (the hook's user, in tests) and nobody else may write
 * to it: whoever can put any file under the cache's name. Looked at on a descriptor opened
 * without following a link.
 */
const trustedDirectory = (directory: string) => {
  const fd = openSync(
    directory,
    constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
  )
  try {
    const stats = fstatSync(fd)
    return stats.uid === process.getuid?.() && (stats.mode & 0o022) === 0
  } finally {
    closeSync(fd)
  }
}

/** The data V8 may take for `program`, and the depth that made it; undefined when there is none it may. */
const readCache = (cacheFile: string, program: Buffer) => {
  try {
    // The file as src/layers/no-follow-descriptors.ts reads what the charm made: a regular file of root's
    // that nobody else may write, never through a link, a FIFO passed over at once.
    const file = trustedDirectory(dirname(cacheFile)) ? readTrustedFile(cacheFile, maxCacheBytes) : undefined
    if (file === undefined) return undefined
    const newline = file.indexOf(10)
    if (newline < 0) return undefined
    const { depth, ...header } = JSON.parse(
      Buffer.from(file.buffer, file.byteOffset, newline).toString("utf8"),
    )
    if (JSON.stringify(header) !== JSON.stringify(madeFrom(program)) || !Number.isSafeInteger(depth))
      return undefined
    const start = newline + 1
    if (!program.equals(file.subarray(start, start + program.length))) return undefined
    return { depth: depth as number, data: file.subarray(start + program.length) }
  } catch {
    // Unreadable, not JSON: made again after this hook.
    return undefined
  }
}

/**
 * The cache's directory, root's and 0700, before a cache is written in it. One that is not
 * (made by someone else, or writable by others) is taken over on a descriptor opened without
 * following links, so that nobody can swap it for another between the check and the change.
 */
const ownDirectory = (directory: string) => {
  const found = lstatSync(directory, { throwIfNoEntry: false })
  if (found === undefined) return void mkdirSync(directory, { recursive: true, mode: 0o700 })
  claimDirectory(directory, { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, mode: 0o700 })
}

/**
 * Runs the CommonJS bundle `file` with the code cache kept in `cacheFile`, its imports of
 * Node's modules resolved with `require`, and returns its
 * exports, and `save`, to call once the hook is done with how many hook-tool calls it ran.
 * The cache is written when there was none V8 could use, or when this hook ran further (more
 * calls: the first hook of a unit often stops early, waiting for a relation) than the one
 * that wrote it; a cache that cannot be written is skipped, not an error.
 */
export const loadWithCodeCache = <Exports>(file: string, cacheFile: string, require: NodeJS.Require) => {
  const program = readFileSync(file)
  const cache = readCache(cacheFile, program)
  const script = new Script(`${head}${program.toString("utf8")}${tail}`, {
    filename: file,
    cachedData: cache?.data,
  })
  const module = { exports: {} as Exports }
  script.runInThisContext()(module, module.exports, require)
  const save = (depth: number) => {
    if (cache !== undefined && !script.cachedDataRejected && depth <= cache.depth) return
    try {
      // A whole file or none: written aside (afresh, so with this mode, and never through a
      // link), flushed, then renamed over the old one. V8 would crash on data torn by a crash
      // of the machine: it checks the data's length, not its checksum (a release build).
      const header = Buffer.from(`${JSON.stringify({ ...madeFrom(program), depth })}\n`)
      const data = Buffer.concat([header, program, script.createCachedData()])
      ownDirectory(dirname(cacheFile))
      const aside = `${cacheFile}.new`
      rmSync(aside, { force: true })
      const fd = openSync(aside, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
      try {
        for (let written = 0; written < data.length; ) written += writeSync(fd, data, written)
        fsyncSync(fd)
      } finally {
        closeSync(fd)
      }
      try {
        renameSync(aside, cacheFile)
      } catch {
        // Whatever is in the way (a directory, say) goes: the next hook must find a cache.
        rmSync(cacheFile, { recursive: true, force: true })
        renameSync(aside, cacheFile)
      }
    } catch {
      // A read-only charm directory: the next hook compiles again.
    }
  }
  return { exports: module.exports, save }
}
