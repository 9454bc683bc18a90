import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { Descriptors } from "./layers/Descriptors.ts"
import { diskServices } from "./layers/disk-services.ts"
import { HookTools } from "./layers/HookTools.ts"
import { type RunTool, runTool } from "./layers/hook-tool-process.ts"
import { hookToolServices } from "./layers/hook-tool-services.ts"
import { JujuContext } from "./layers/JujuContext.ts"
import { ScriptRunner } from "./layers/ScriptRunner.ts"
import { handleEvent } from "./programs/handle-event.ts"
import { faultLine, logFault } from "./programs/report-fault.ts"

const live = (run: RunTool) =>
  Layer.mergeAll(hookToolServices, diskServices, ScriptRunner.layer).pipe(
    Layer.provideMerge(HookTools.layer(run)),
    Layer.provideMerge(JujuContext.layer),
    Layer.provide(Layer.merge(NodeFileSystem.layer, Descriptors.layer)),
  )

const say = <A>(line: string, value: A) =>
  Effect.sync(() => {
    process.stderr.write(`${line}\n`)
    return value
  })

/** How a hook ended: its exit code, or stopped by SIGTERM; and how many hook tools the program ran. */
export interface HookEnd {
  readonly exit: 0 | 1 | "SIGTERM"
  readonly hookToolCalls: number
}

/**
 * Runs the program for this event. Exit 0 commits the hook; a fault exits 1 with one line, so
 * that Juju retries the hook. SIGTERM interrupts it, so that what it started is stopped (an
 * action's run, src/layers/ScriptRunner.ts): Juju's agent, stopped by systemd, signals every
 * process of its service, the hook and the hook tool it waits for alike (a tool runs
 * synchronously: the signal is handled once it returns). The calls are counted for
 * src/entry/hook.ts: the more a hook ran, the more of the program its code cache holds.
 */
export const main = (): Promise<HookEnd> => {
  let hookToolCalls = 0
  const counted: RunTool = (...call) => {
    hookToolCalls++
    return runTool(...call)
  }
  const fiber = Effect.runFork(
    handleEvent.pipe(
      Effect.tapError(logFault),
      Effect.provide(live(counted)),
      Effect.as(0 as const),
      Effect.catch((fault) => say(faultLine(fault), 1 as const)),
      Effect.catchDefect((defect) =>
        say(`backup-integrator: internal error: ${String(defect).split("\n")[0]}`, 1 as const),
      ),
      Effect.onInterrupt(() => say("backup-integrator: stopped by SIGTERM", undefined)),
    ),
  )
  const stop = () => fiber.interruptUnsafe()
  process.once("SIGTERM", stop)
  return new Promise((resolve) =>
    fiber.addObserver((exit) => {
      process.off("SIGTERM", stop)
      resolve({ exit: Exit.isSuccess(exit) ? exit.value : "SIGTERM", hookToolCalls })
    }),
  )
}
