import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { type RunTool, runTool } from "./entry/hook-tool-process.ts"
import type { ToolProcess } from "./entry/started-config-get.ts"
import { Descriptors } from "./layers/Descriptors.ts"
import { diskServices } from "./layers/disk-services.ts"
import { HookTools } from "./layers/HookTools.ts"
import { hookToolServices } from "./layers/hook-tool-services.ts"
import { JujuContext } from "./layers/JujuContext.ts"
import { ScriptRunner } from "./layers/ScriptRunner.ts"
import { handleEvent } from "./programs/handle-event.ts"
import { faultLine, logFault } from "./programs/report-fault.ts"

const live = (run: RunTool, startedConfigGet: ToolProcess | undefined) =>
  Layer.mergeAll(hookToolServices, diskServices, ScriptRunner.layer).pipe(
    Layer.provideMerge(HookTools.layer(run, startedConfigGet)),
    Layer.provideMerge(JujuContext.layer),
    Layer.provide(Layer.merge(NodeFileSystem.layer, Descriptors.layer)),
  )

const fail = (line: string) =>
  Effect.sync((): 1 => {
    process.stderr.write(`${line}\n`)
    return 1
  })

/** How a hook ended: its exit code, and how many hook tools the program ran itself. */
export interface HookEnd {
  readonly exitCode: 0 | 1
  readonly hookToolCalls: number
}

/**
 * Runs the program for this event. Exit 0 commits the hook; a fault exits 1 with one line,
 * so that Juju retries the hook. A `config-get` started by `dispatch` and never taken over
 * (the program failed first) is stopped rather than waited for. The calls are counted for
 * src/entry/hook.ts: the more a hook ran, the more of the program its code cache holds.
 */
export const main = (startedConfigGet: ToolProcess | undefined): Promise<HookEnd> => {
  let hookToolCalls = 0
  const counted: RunTool = (...call) => {
    hookToolCalls++
    return runTool(...call)
  }
  return Effect.runPromise(
    handleEvent.pipe(
      Effect.tapError(logFault),
      Effect.provide(live(counted, startedConfigGet)),
      Effect.as(0 as const),
      Effect.catch((fault) => fail(faultLine(fault))),
      Effect.catchDefect((defect) =>
        fail(`backup-integrator: internal error: ${String(defect).split("\n")[0]}`),
      ),
      Effect.ensuring(Effect.promise(async () => startedConfigGet?.kill())),
      Effect.map((exitCode) => ({ exitCode, hookToolCalls })),
    ),
  )
}
