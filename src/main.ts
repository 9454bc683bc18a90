import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { HookTools } from "./layers/HookTools.ts"
import type { ToolProcess } from "./layers/hook-tool-process.ts"
import { hookToolServices } from "./layers/hook-tool-services.ts"
import { JujuContext } from "./layers/JujuContext.ts"
import { ScriptStore } from "./layers/ScriptStore.ts"
import { dispatch } from "./programs/dispatch.ts"
import { faultLine, logFault } from "./programs/report-fault.ts"

const live = (startedConfigGet: ToolProcess | undefined) =>
  Layer.mergeAll(hookToolServices, ScriptStore.layer).pipe(
    Layer.provideMerge(HookTools.layer(startedConfigGet)),
    Layer.provideMerge(JujuContext.layer),
  )

const fail = (line: string) =>
  Effect.sync(() => {
    process.stderr.write(`${line}\n`)
    process.exitCode = 1
  })

/**
 * Runs the program for this event. Exit 0 commits the hook; a fault exits 1 with one line,
 * so that Juju retries the hook. A `config-get` started by `dispatch` and never taken over
 * (the program failed first) is stopped rather than waited for. The process ends as soon
 * as the program does: Node's own teardown of the heap costs a hook several milliseconds
 * and does nothing for it (stderr is written synchronously, the compile cache still saved).
 */
export const main = (startedConfigGet: ToolProcess | undefined) =>
  Effect.runCallback(
    dispatch.pipe(
      Effect.tapError(logFault),
      Effect.provide(live(startedConfigGet)),
      Effect.catch((fault) => fail(faultLine(fault))),
      Effect.catchDefect((defect) =>
        fail(`backup-integrator: internal error: ${String(defect).split("\n")[0]}`),
      ),
      Effect.ensuring(Effect.promise(async () => startedConfigGet?.kill())),
    ),
    { onExit: () => process.exit() },
  )
