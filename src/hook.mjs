// The hook's entry point. Every event is a fresh process, and compiling the program is much
// of what starting it costs: V8's compile cache, kept beside the program in the charm's own
// directory, turns that into a read. Kept apart from the program so that the cache is on
// before the program is compiled; a cache that cannot be written is skipped, not an error.
// (scripts/charm-layout.ts names the directory too: the packer leaves it out.)
import { enableCompileCache } from "node:module"

enableCompileCache({ directory: new URL("../compile-cache", import.meta.url).pathname, portable: true })
await import("./program.mjs")
