import * as Schema from "effect/Schema"
import { UnitStatus } from "./unit-status.ts"

/**
 * What a unit's last reconcile left, kept in its marker file (`units/<n>`): what update-status
 * checks instead of reconciling again, since nothing Juju knows changes without an event of
 * its own. The hook's entry reads it too, before the program is loaded
 * (src/entry/quiet-update-status.ts): `waitingForSecret`, `files` and `runs` are read there as well.
 */
export const UnitRecord = Schema.Struct({
  version: Schema.Literal(1),
  /** The status reconcile reached, before the runs of the scripts count. */
  reconciled: UnitStatus,
  /** The status last set. */
  shown: UnitStatus,
  /** The credentials secret, while `secret-get` refuses it: update-status asks again. */
  waitingForSecret: Schema.NullOr(Schema.String),
  /** The files installed, each with its fingerprint (src/domain/file-fingerprint.ts). */
  files: Schema.Array(Schema.Struct({ path: Schema.String, fingerprint: Schema.String })),
  /** By installed script, the runs directory and its newest record when the status was set. */
  runs: Schema.Array(Schema.Struct({ directory: Schema.String, newest: Schema.NullOr(Schema.String) })),
})
export type UnitRecord = typeof UnitRecord.Type
