import * as Effect from "effect/Effect"
import { desiredStateOf } from "../domain/desired-state.ts"
import { NotLeader, RelationMissing } from "../domain/failures.ts"
import { CharmConfig } from "../layers/CharmConfig.ts"
import { JujuContext } from "../layers/JujuContext.ts"
import { Leadership } from "../layers/Leadership.ts"
import { Relations } from "../layers/Relations.ts"
import { ScriptStore } from "../layers/ScriptStore.ts"
import { publishSpec } from "./publish-spec.ts"

/**
 * The `backup` relations to serve. During `backup-relation-broken`, `relation-ids` still
 * lists the relation going away: it no longer counts.
 */
const liveBackupRelations = Effect.gen(function* () {
  const { event, relationId } = yield* JujuContext
  const ids = yield* (yield* Relations).ids("backup")
  return event === "backup-relation-broken" ? ids.filter((id) => id !== relationId) : ids
})

/**
 * Brings the unit to what the configuration asks, whatever the event. Ends with success
 * when the leader has published the spec; a stop (bad configuration, no relation, a
 * follower) is a typed failure that the dispatch turns into a status. While the
 * configuration is bad nothing is written, so backups go on with the last good spec.
 */
export const reconcile = Effect.gen(function* () {
  const config = yield* (yield* CharmConfig).get
  const desired = yield* Effect.fromResult(desiredStateOf(config))
  // Every unit installs the scripts: the path the leader publishes is used on every machine.
  const scripts = yield* (yield* ScriptStore).install(desired.scripts)
  const relationIds = yield* liveBackupRelations
  if (relationIds.length === 0) return yield* new RelationMissing()
  if (!(yield* (yield* Leadership).isLeader)) return yield* new NotLeader()
  yield* publishSpec(relationIds, { fileset: desired.fileset, scripts })
}).pipe(Effect.withSpan("reconcile"))
