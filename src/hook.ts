// The hook's entry point: Juju starts a process for every event, so what matters is how soon
// the work starts. Before the program is loaded:
// - the `config-get` that `dispatch` started before Node (it says so with this argument) is
//   read from stdin as it comes; HookTools takes it over;
// - the program is loaded with V8's code cache, kept in the charm's own directory
//   (scripts/charm-layout.ts names it too: the packer leaves it out), see src/code-cache.ts.
import { loadWithCodeCache } from "./code-cache.ts"
import { configGetFromDispatch } from "./layers/started-config-get.ts"
import type * as Program from "./main.ts"

const startedConfigGet = process.argv[2] === "--config-get-on-stdin" ? configGetFromDispatch() : undefined
const charm = new URL("..", import.meta.url).pathname
const program = loadWithCodeCache<typeof Program>(
  `${charm}dist/program.cjs`,
  `${charm}compile-cache/program.v8`,
)
const { exitCode, hookToolCalls } = await program.exports.main(startedConfigGet)
program.save(hookToolCalls)
// The process ends as soon as the program does: Node's own teardown of the heap costs a
// hook several milliseconds and does nothing for it (stderr is written synchronously).
process.exit(exitCode)
