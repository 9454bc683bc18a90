import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Descriptors } from "./layers/Descriptors.ts"
import { diskServices } from "./layers/disk-services.ts"
import { HookTools } from "./layers/HookTools.ts"
import { runTool } from "./layers/hook-tool-process.ts"
import { hookToolServices } from "./layers/hook-tool-services.ts"
import { JujuContext } from "./layers/JujuContext.ts"
import { ScriptRunner } from "./layers/ScriptRunner.ts"
import { handleEvent } from "./programs/handle-event.ts"
import { faultLine, logFault } from "./programs/report-fault.ts"

const live = Layer.mergeAll(hookToolServices, diskServices, ScriptRunner.layer).pipe(
  Layer.provideMerge(HookTools.layer(runTool)),
  Layer.provideMerge(JujuContext.layer),
  Layer.provide(Layer.merge(NodeFileSystem.layer, Descriptors.layer)),
)

const fail = (line: string) =>
  Effect.sync((): 1 => {
    process.stderr.write(`${line}\n`)
    return 1
  })

/**
 * The program for this event, to its exit code. Exit 0 commits the hook; a fault exits 1 with
 * one line, so that Juju retries the hook.
 */
export const main: Effect.Effect<0 | 1> = handleEvent.pipe(
  Effect.tapError(logFault),
  Effect.provide(live),
  Effect.as(0 as const),
  Effect.catch((fault) => fail(faultLine(fault))),
  Effect.catchDefect((defect) => fail(`backup-integrator: internal error: ${String(defect).split("\n")[0]}`)),
)
