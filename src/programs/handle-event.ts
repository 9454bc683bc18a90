import * as Effect from "effect/Effect"
import { removeEvent, restrictedEvents } from "../domain/events.ts"
import { active, statusOf } from "../domain/unit-status.ts"
import { JujuContext } from "../layers/JujuContext.ts"
import { ScriptStore } from "../layers/ScriptStore.ts"
import { StatusReporter } from "../layers/StatusReporter.ts"
import { reconcile } from "./reconcile.ts"

/**
 * The program for one Juju event. A restricted context has nothing for the charm to do;
 * `remove` cleans up the machine; every other event, known or not, reconciles and shows the
 * outcome as the unit status. Faults (hook tools, disk) stay in the error channel: the hook
 * fails and Juju retries it.
 */
export const handleEvent = Effect.gen(function* () {
  const { event } = yield* JujuContext
  if (restrictedEvents.has(event)) return
  if (event === removeEvent) return yield* (yield* ScriptStore).removeAll
  const status = yield* reconcile.pipe(
    Effect.as(active),
    Effect.catchTag(
      ["MissingFileset", "InvalidFileset", "InvalidScript", "RelationMissing", "NotLeader"],
      (stop) => Effect.succeed(statusOf(stop)),
    ),
  )
  yield* (yield* StatusReporter).set(status)
})
