import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { JujuLog } from "../layers/JujuLog.ts"
import { ScriptStore } from "../layers/ScriptStore.ts"
import { Secrets } from "../layers/Secrets.ts"
import { UnitRecords } from "../layers/UnitRecords.ts"
import { reconcileAndReport } from "./reconcile-and-report.ts"
import { reportStatus } from "./report-status.ts"

/**
 * update-status, every five minutes on every unit. Nothing Juju knows changes without an event
 * of its own, so it reconciles only when the last reconcile left no record, when a file it
 * installed changed on disk (which reconcile repairs), or once the credentials secret it
 * could not read is readable (a grant fires no event).
 * Otherwise it shows the runs recorded since, setting the status only if it changed.
 * `dispatch` starts this program only when the memo the last one left says something may have
 * changed (src/domain/update-status-memo.ts).
 */
export const updateStatus = Effect.gen(function* () {
  const last = yield* (yield* UnitRecords).read
  if (Option.isNone(last)) return yield* reconcileAndReport
  const { waitingForSecret } = last.value
  if (waitingForSecret !== null) {
    // Granting fires no event: this one call is all update-status adds while the secret is refused.
    const readable = yield* (yield* Secrets).get(waitingForSecret, { refresh: false }).pipe(
      Effect.as(true),
      Effect.catchTag("SecretUnreadable", () => Effect.succeed(false)),
    )
    return readable ? yield* reconcileAndReport : undefined
  }
  const recorded = last.value.files
  const now = yield* (yield* ScriptStore).fingerprints(recorded.map(({ path }) => path))
  // `now` has one fingerprint per path: `?.` only satisfies the index's type (`.` is equivalent).
  const changed = recorded.filter(({ fingerprint }, i) => now[i]?.fingerprint !== fingerprint)
  if (changed.length > 0) {
    yield* (yield* JujuLog).info(`changed on disk, repairing: ${changed.map(({ path }) => path).join(", ")}`)
    return yield* reconcileAndReport
  }
  yield* reportStatus(last.value, last, { always: false, rewrite: true })
})
