// V8's code cache for the hook program, made after a hook has run. Node's own compile cache
// (module.enableCompileCache) is written as soon as a module is compiled, so it holds only
// the code that runs as the module loads: every other function of the program (most of
// Effect's) was parsed and compiled again by every hook. A cache made once the hook is done
// holds every function it ran, and it is made by one hook only, as it costs several ms.

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import { Script } from "node:vm"

/** A cache file: how many hook-tool calls the hook that made it ran, a newline, V8's data. */
const readCache = (cacheFile: string) => {
  let file: Buffer
  try {
    file = readFileSync(cacheFile)
  } catch {
    return undefined
  }
  const newline = file.indexOf(10)
  const depth = file.toString("latin1", 0, Math.max(newline, 0))
  return /^\d{1,9}$/.test(depth) ? { depth: Number(depth), data: file.subarray(newline + 1) } : undefined
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
  const cache = readCache(cacheFile)
  const source = readFileSync(file, "utf8")
  // Wrapped as Node wraps a CommonJS module: what the bundle imports of Node (node:fs...) it
  // requires with the `require` given (the entry's own: node:module's createRequire would
  // cost every hook the loading of that module).
  const script = new Script(`(function (module, exports, require) {"use strict";${source}\n})`, {
    filename: file,
    cachedData: cache?.data,
  })
  const module = { exports: {} as Exports }
  script.runInThisContext()(module, module.exports, require)
  const save = (depth: number) => {
    if (cache !== undefined && !script.cachedDataRejected && depth <= cache.depth) return
    try {
      // V8 runs what the cache holds, as root: only root may read or write it. A whole file
      // or none: written aside (afresh, so with this mode), then renamed over the old one.
      const data = Buffer.concat([Buffer.from(`${depth}\n`), script.createCachedData()])
      mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 })
      rmSync(`${cacheFile}.new`, { force: true })
      writeFileSync(`${cacheFile}.new`, data, { mode: 0o600 })
      renameSync(`${cacheFile}.new`, cacheFile)
    } catch {
      // A read-only charm directory: the next hook compiles again.
    }
  }
  return { exports: module.exports, save }
}
