import * as Effect from "effect/Effect"
import { removeEvent, restrictedEvents, updateStatusEvent } from "../domain/events.ts"
import { ActionContext } from "../layers/ActionContext.ts"
import { JujuContext } from "../layers/JujuContext.ts"
import { reconcileAndReport } from "./reconcile-and-report.ts"
import { removeUnit } from "./remove-unit.ts"
import { runScript } from "./run-script.ts"
import { showBackups } from "./show-backups.ts"
import { showRuns } from "./show-runs.ts"
import { updateStatus } from "./update-status.ts"

/**
 * The program for one Juju event. A restricted context has nothing for the charm to do;
 * `remove` cleans up the machine; an action runs; update-status checks what the last
 * reconcile left; every other event, known or not, reconciles and shows the outcome as the
 * unit status. Faults (hook tools, disk) stay in the error channel: the hook fails and Juju
 * retries it.
 */
export const handleEvent = Effect.gen(function* () {
  const { event, action } = yield* JujuContext
  if (restrictedEvents.has(event)) return
  if (event === removeEvent) return yield* removeUnit
  if (action === "run-script") return yield* runScript
  if (action === "show-runs") return yield* showRuns
  if (action === "show-backups") return yield* showBackups
  if (action !== undefined) return yield* (yield* ActionContext).fail(`unknown action ${action}`)
  if (event === updateStatusEvent) return yield* updateStatus
  yield* reconcileAndReport
})
