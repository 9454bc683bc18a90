import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { UnitRecord } from "../domain/unit-record.ts"
import { shownStatus, type UnitStatus } from "../domain/unit-status.ts"
import { RunRecords } from "../layers/RunRecords.ts"
import { ScriptStore } from "../layers/ScriptStore.ts"
import { StatusReporter } from "../layers/StatusReporter.ts"
import { UnitRecords } from "../layers/UnitRecords.ts"

const sameStatus = (a: UnitStatus, b: UnitStatus) => a.status === b.status && a.message === b.message

/**
 * Shows the unit's status: what reconcile reached, and below it the last runs of the scripts
 * installed. `always` sets it even when it is what the record says was shown (every
 * reconciling hook does: Juju itself sets statuses around some events); otherwise a status
 * is set only when it changed. Then keeps the record for the next update-status, writing it
 * only when it changed.
 */
export const reportStatus = Effect.fn("reportStatus")(function* (
  { reconciled, waitingForSecret }: Pick<UnitRecord, "reconciled" | "waitingForSecret">,
  last: Option.Option<UnitRecord>,
  { always }: { readonly always: boolean },
) {
  const inventory = yield* (yield* ScriptStore).inventory
  const records = yield* RunRecords
  const runs = yield* records.newest(inventory.scripts)
  // The status follows from what reconcile reached and the newest runs: when neither changed
  // since it was shown, it is what was shown, and the records need not be read again.
  const shown =
    Option.isSome(last) &&
    sameStatus(reconciled, last.value.reconciled) &&
    JSON.stringify(runs) === JSON.stringify(last.value.runs)
      ? last.value.shown
      : shownStatus(reconciled, yield* records.read(runs))
  if (always || Option.isNone(last) || !sameStatus(shown, last.value.shown)) {
    yield* (yield* StatusReporter).set(shown)
  }
  const record: UnitRecord = {
    version: 1,
    reconciled,
    shown,
    waitingForSecret,
    files: inventory.files,
    runs,
  }
  if (Option.isNone(last) || JSON.stringify(last.value) !== JSON.stringify(record)) {
    yield* (yield* UnitRecords).write(record)
  }
})
