import * as Effect from "effect/Effect"
import { active, statusOf } from "../domain/unit-status.ts"
import { UnitRecords } from "../layers/UnitRecords.ts"
import { reconcile } from "./reconcile.ts"
import { reportStatus } from "./report-status.ts"

/** Reconciles, then shows the outcome as the unit status and records it for update-status. */
export const reconcileAndReport = Effect.gen(function* () {
  const last = yield* (yield* UnitRecords).read
  const { status, waitingForSecret } = yield* reconcile.pipe(
    Effect.as({ status: active, waitingForSecret: null }),
    Effect.catchTag(
      [
        "MissingFileset",
        "InvalidFileset",
        "InvalidScript",
        "InvalidScriptTimeout",
        "InvalidCredentials",
        "RunnerUnavailable",
        "SecretUnreadable",
        "InvalidCredentialsKey",
        "RelationMissing",
        "NotLeader",
      ],
      (stop) =>
        Effect.succeed({
          status: statusOf(stop),
          // Granting a secret fires no event: update-status looks again while it is refused.
          waitingForSecret: stop._tag === "SecretUnreadable" ? stop.uri : null,
        }),
    ),
  )
  yield* reportStatus({ reconciled: status, waitingForSecret }, last, { always: true })
})
