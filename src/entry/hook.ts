// The hook's entry point: Juju starts a process for every event, so what matters is how soon
// the work starts. Before the program is loaded:
// - update-status with nothing to do ends at once, see ./quiet-update-status.ts;
// - the `config-get` that `dispatch` started before Node (it says so with this argument) is
//   read from stdin as it comes; HookTools takes it over;
// - the program is loaded with V8's code cache, kept in the charm's own directory
//   (scripts/charm-layout.ts names it too: the packer leaves it out), see ./code-cache.ts.
// Bundled as CommonJS, as the program is: nothing on the hook's path needs Node's ES module
// loader, and starting it cost every hook a few milliseconds.
import { dirname } from "node:path"
import type * as Program from "../main.ts"
import { loadWithCodeCache } from "./code-cache.ts"
import { nothingToDo } from "./quiet-update-status.ts"
import { configGetFromDispatch } from "./started-config-get.ts"

if (nothingToDo(process.env)) process.exit(0)

const startedConfigGet = process.argv[2] === "--config-get-on-stdin" ? configGetFromDispatch() : undefined
// Node runs <charm>/dist/hook.cjs, and gives its absolute path as argv[1].
const charm = dirname(dirname(process.argv[1] ?? ""))
const program = loadWithCodeCache<typeof Program>(
  `${charm}/dist/program.cjs`,
  `${charm}/compile-cache/program.v8`,
  // This file is bundled as CommonJS: `require` is the module's own.
  require,
)
program.exports.main(startedConfigGet).then(({ exitCode, hookToolCalls }) => {
  program.save(hookToolCalls)
  // The process ends as soon as the program does: Node's own teardown of the heap costs a
  // hook several milliseconds and does nothing for it (stderr is written synchronously).
  process.exit(exitCode)
})
