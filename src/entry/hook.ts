// The hook's entry point, which `dispatch` runs with the charm's Node: update-status with
// nothing to do ends at once (./quiet-update-status.ts); any other hook runs the program.
// Bundled as CommonJS: nothing on the hook's path needs Node's ES module loader, and
// starting it cost every hook a few milliseconds.
import * as Effect from "effect/Effect"
import { main } from "../main.ts"
import { nothingToDo } from "./quiet-update-status.ts"

if (nothingToDo(process.env)) process.exit(0)

Effect.runPromise(main).then((exitCode) => {
  // The process ends as soon as the program does: Node's own teardown of the heap costs a
  // hook several milliseconds and does nothing for it (stderr is written synchronously).
  process.exit(exitCode)
})
