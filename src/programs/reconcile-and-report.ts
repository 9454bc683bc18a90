import * as Effect from "effect/Effect"
import { active, statusOf } from "../domain/unit-status.ts"
import { UnitRecords } from "../layers/UnitRecords.ts"
import { reconcile } from "./reconcile.ts"
import { reportStatus } from "./report-status.ts"

/** Reconciles, then shows the outcome as the unit status and records it for update-status. */
export const reconcileAndReport = Effect.gen(function* () {
  const last = yield* (yield* UnitRecords).read
  const { status, settled } = yield* reconcile.pipe(
    Effect.map(({ settled }) => ({ status: active, settled })),
    Effect.catchTag(
      [
        "MissingFileset",
        "InvalidFileset",
        "InvalidScript",
        "InvalidScriptTimeout",
        "RelationMissing",
        "NotLeader",
      ],
      (stop) => Effect.succeed({ status: statusOf(stop), settled: true }),
    ),
  )
  yield* reportStatus(status, settled, last, { always: true })
})
