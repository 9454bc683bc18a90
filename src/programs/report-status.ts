import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { charmBuild } from "../domain/charm-build.ts"
import { heldSummaryOf, lastHeld } from "../domain/held.ts"
import { unansweredJobs } from "../domain/job-journal.ts"
import { nextStatusChange } from "../domain/next-status-change.ts"
import type { UnitRecord } from "../domain/unit-record.ts"
import { shownStatus, type UnitStatus } from "../domain/unit-status.ts"
import { JobJournals } from "../layers/JobJournals.ts"
import { RunRecords } from "../layers/RunRecords.ts"
import { ScriptStore } from "../layers/ScriptStore.ts"
import { StatusReporter } from "../layers/StatusReporter.ts"
import { UnitRecords } from "../layers/UnitRecords.ts"

const sameStatus = (a: UnitStatus, b: UnitStatus) => a.status === b.status && a.message === b.message

/**
 * Shows the unit's status: what reconcile reached, and below it the last runs of the scripts
 * installed and the last backup (past `backup-max-age`, its absence). A status is set only
 * when it is not what the record says was shown (a call that changes nothing costs a hook a
 * process and a round trip to the agent), or `always` (around the events at which Juju sets
 * one itself). Then keeps the record, and the memo made from it, for the next hook: when the
 * record changed, or `rewrite` (update-status, which `dispatch` starts only when it found the
 * memo out of date: a directory it names changed in a way the record does not hold, say).
 * A steady hook writes nothing (a read-only /opt still serves).
 */
export const reportStatus = Effect.fn("reportStatus")(function* (
  { reconciled, waitingForSecret, maxAge }: Pick<UnitRecord, "reconciled" | "waitingForSecret" | "maxAge">,
  last: Option.Option<UnitRecord>,
  { always, rewrite }: { readonly always: boolean; readonly rewrite: boolean },
) {
  const now = yield* Clock.currentTimeMillis
  const inventory = yield* (yield* ScriptStore).inventory
  const records = yield* RunRecords
  const runs = yield* records.newest(inventory.scripts)
  // The journal is read only when a job's run changed it since the last status of this build
  // (another build may read it otherwise).
  const journals = yield* JobJournals
  const journal = yield* journals.fingerprint
  const { lastBackup, unanswered, held } =
    Option.isSome(last) && last.value.journal === journal && last.value.build === charmBuild
      ? last.value
      : yield* Effect.map(journals.read, (read) => ({
          lastBackup: read.backup.lastSuccess,
          unanswered: unansweredJobs(read),
          held: heldSummaryOf(lastHeld(read)),
        }))
  const checkSince =
    maxAge === null
      ? null
      : Option.isSome(last) && last.value.maxAge !== null && last.value.checkSince !== null
        ? last.value.checkSince
        : new Date(now).toISOString()
  const backups = { lastBackup, unanswered, maxAge, checkSince, now }
  // The status follows from what reconcile reached, the newest runs and the last backup, and
  // from the time only once the deadline passes: when none of them changed since this build
  // showed it, it is what was shown, and the records need not be read again.
  const shown =
    Option.isSome(last) &&
    last.value.build === charmBuild &&
    sameStatus(reconciled, last.value.reconciled) &&
    JSON.stringify(runs) === JSON.stringify(last.value.runs) &&
    lastBackup === last.value.lastBackup &&
    JSON.stringify(unanswered) === JSON.stringify(last.value.unanswered) &&
    JSON.stringify(held) === JSON.stringify(last.value.held) &&
    maxAge === last.value.maxAge &&
    (last.value.deadline === null || now < Date.parse(last.value.deadline))
      ? last.value.shown
      : shownStatus(reconciled, yield* records.read(runs), backups, held)
  const changed = Option.isNone(last) || !sameStatus(shown, last.value.shown)
  if (changed || always) {
    // A record that says what was shown must never outlive a status set after it: if the new
    // record cannot be written, the next hook finds none and sets its status whatever it is.
    if (changed && Option.isSome(last)) yield* (yield* UnitRecords).forget
    yield* (yield* StatusReporter).set(shown)
  }
  const deadline = nextStatusChange({ reconciled, backups })
  const record: UnitRecord = {
    version: 1,
    build: charmBuild,
    reconciled,
    shown,
    waitingForSecret,
    files: inventory.files,
    runs,
    journal,
    lastBackup,
    unanswered,
    held,
    maxAge,
    checkSince,
    deadline: deadline === undefined ? null : new Date(deadline).toISOString(),
  }
  if (rewrite || Option.isNone(last) || JSON.stringify(last.value) !== JSON.stringify(record)) {
    yield* (yield* UnitRecords).write(record, now)
  }
})
