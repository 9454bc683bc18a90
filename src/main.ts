import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { CharmConfig } from "./layers/CharmConfig.ts"
import { HookTools } from "./layers/HookTools.ts"
import { JujuContext } from "./layers/JujuContext.ts"
import { JujuLog } from "./layers/JujuLog.ts"
import { Leadership } from "./layers/Leadership.ts"
import { Relations } from "./layers/Relations.ts"
import { ScriptStore } from "./layers/ScriptStore.ts"
import { StatusReporter } from "./layers/StatusReporter.ts"
import { dispatch } from "./programs/dispatch.ts"
import { faultLine, logFault } from "./programs/report-fault.ts"

const live = Layer.mergeAll(
  CharmConfig.layer,
  Leadership.layer,
  Relations.layer,
  StatusReporter.layer,
  JujuLog.layer,
  ScriptStore.layer,
).pipe(Layer.provideMerge(HookTools.layer), Layer.provideMerge(JujuContext.layer))

const fail = (line: string) =>
  Effect.sync(() => {
    process.stderr.write(`${line}\n`)
    process.exitCode = 1
  })

// Exit 0 commits the hook; a fault exits 1 with one line, so that Juju retries the hook.
Effect.runFork(
  dispatch.pipe(
    Effect.tapError(logFault),
    Effect.provide(live),
    Effect.catch((fault) => fail(faultLine(fault))),
    Effect.catchDefect((defect) =>
      fail(`backup-integrator: internal error: ${String(defect).split("\n")[0]}`),
    ),
  ),
)
