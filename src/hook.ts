// The hook's entry point: Juju starts a process for every event, so what matters is how soon
// the work starts. Two things happen before the program is even loaded:
// - V8's compile cache is turned on, kept in the charm's own directory, so that compiling the
//   program is mostly a read (a cache that cannot be written is skipped, not an error;
//   scripts/charm-layout.ts names the directory too: the packer leaves it out);
// - the `config-get` that `dispatch` started before Node (it says so with this argument) is
//   read from stdin as it comes; HookTools takes it over.
import { configGetFromDispatch } from "./layers/hook-tool-process.ts"

// Taken with getBuiltinModule, as every Node module on the hook's path: an ESM import of one
// builds a namespace of all its exports, and for node:fs that alone costs milliseconds.
const { enableCompileCache } = process.getBuiltinModule("node:module")
enableCompileCache({ directory: new URL("../compile-cache", import.meta.url).pathname, portable: true })
const startedConfigGet = process.argv[2] === "--config-get-on-stdin" ? configGetFromDispatch() : undefined
const { main } = await import("./main.ts")
main(startedConfigGet)
