// The hook's entry point, which `dispatch` runs with the charm's Node when the program has
// something to do (update-status with nothing changed ends in `dispatch`). The program is
// loaded with V8's code cache, kept in the charm's own directory (scripts/charm-layout.ts
// names it too: the packer leaves it out), see ./code-cache.ts. Bundled as CommonJS, as the
// program is: nothing on the hook's path needs Node's ES module loader, and starting it cost
// every hook a few milliseconds.
import { dirname } from "node:path"
import type * as Program from "../main.ts"
import { loadWithCodeCache } from "./code-cache.ts"

// Node runs <charm>/dist/hook.cjs, and gives its absolute path as argv[1].
const charm = dirname(dirname(process.argv[1] ?? ""))
const program = loadWithCodeCache<typeof Program>(
  `${charm}/dist/program.cjs`,
  `${charm}/compile-cache/program.v8`,
  // This file is bundled as CommonJS: `require` is the module's own.
  require,
)
program.exports.main().then(({ exit, hookToolCalls }) => {
  // Stopped: ended by the signal, as Node ends without a handler, once the clean-up ran.
  if (exit === "SIGTERM") return process.kill(process.pid, "SIGTERM")
  program.save(hookToolCalls)
  // The process ends as soon as the program does: Node's own teardown of the heap costs a
  // hook several milliseconds and does nothing for it (stderr is written synchronously).
  process.exit(exit)
})
