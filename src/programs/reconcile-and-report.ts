import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { desiredStateOf } from "../domain/desired-state.ts"
import { eventsJujuSetsStatusAround } from "../domain/events.ts"
import { type HookFault, ReconcileStop } from "../domain/failures.ts"
import { active, statusOf } from "../domain/unit-status.ts"
import { CharmConfig } from "../layers/CharmConfig.ts"
import { JujuContext } from "../layers/JujuContext.ts"
import { UnitRecords } from "../layers/UnitRecords.ts"
import { publishCosAgent } from "./publish-cos-agent.ts"
import { reconcile } from "./reconcile.ts"
import { reportStatus } from "./report-status.ts"

/**
 * Reconcile's outcome as the status it shows: success is active; a stop, matched by
 * ReconcileStop's schema (a stop added to the union needs no list here), shows its status;
 * a fault stays a failure and fails the hook, so that Juju retries it.
 */
export const reconciledStatus = <R>(reconciled: Effect.Effect<void, ReconcileStop | HookFault, R>) =>
  reconciled.pipe(
    Effect.as({ status: active, waitingForSecret: null as string | null }),
    Effect.catchIf(Schema.is(ReconcileStop), (stop) =>
      Effect.succeed({
        status: statusOf(stop),
        // Granting a secret fires no event: update-status looks again while it is refused.
        waitingForSecret: stop._tag === "SecretUnreadable" ? stop.uri : null,
      }),
    ),
  )

/**
 * Hands COS its rules when that is due (whatever the configuration), reads and checks the
 * configuration, reconciles, then shows the outcome as the unit status and records it for
 * update-status. While the configuration is bad nothing is written, so backups go on with the
 * last good spec.
 */
export const reconcileAndReport = Effect.gen(function* () {
  yield* publishCosAgent
  const last = yield* (yield* UnitRecords).read
  const desired = desiredStateOf(yield* (yield* CharmConfig).get)
  const { status, waitingForSecret } = yield* reconciledStatus(
    Effect.fromResult(desired).pipe(Effect.flatMap(reconcile)),
  )
  const maxAge = Result.isSuccess(desired) ? (desired.success.maxAge ?? null) : null
  const { event } = yield* JujuContext
  yield* reportStatus({ reconciled: status, waitingForSecret, maxAge }, last, {
    always: eventsJujuSetsStatusAround.has(event),
    rewrite: false,
  })
})
