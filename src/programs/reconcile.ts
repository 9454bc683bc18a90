import * as Effect from "effect/Effect"
import type { DesiredState } from "../domain/desired-state.ts"
import { NotLeader, RelationMissing, RunnerUnavailable } from "../domain/failures.ts"
import { runnerInterpreter } from "../domain/machine-paths.ts"
import { metricsDirectoriesOf } from "../domain/metrics-directory.ts"
import { JujuContext } from "../layers/JujuContext.ts"
import { Leadership } from "../layers/Leadership.ts"
import { Relations } from "../layers/Relations.ts"
import { ScriptStore } from "../layers/ScriptStore.ts"
import { credentialsFor } from "./credentials-for.ts"
import { publishSpec } from "./publish-spec.ts"
import { refreshMetrics } from "./refresh-metrics.ts"

/**
 * The `backup` relations to serve. During `backup-relation-broken`, `relation-ids` may still
 * list the relation going away: it no longer counts.
 */
const liveBackupRelations = Effect.gen(function* () {
  const { event, relationId } = yield* JujuContext
  const ids = yield* (yield* Relations).ids("backup")
  return event === "backup-relation-broken" ? ids.filter((id) => id !== relationId) : ids
})

/**
 * Brings the unit to what a valid configuration asks, whatever the event. Ends with success
 * when the leader has published the spec; a stop (no relation, a follower) is a typed
 * failure that reconcileAndReport turns into a status.
 * A missing interpreter for the runner, or a credentials secret that cannot be used, stops
 * it too, but last: everything else is applied (and the last good credentials stay).
 */
export const reconcile = Effect.fn("reconcile")(function* (desired: DesiredState) {
  const { credentials, problem } = yield* credentialsFor(desired.credentials)
  // Every unit installs the scripts: the path the leader publishes is used on every machine.
  const store = yield* ScriptStore
  const { optDir } = yield* JujuContext
  const metricsDirectories = metricsDirectoriesOf(desired.metricsDirectory, optDir)
  const runners = yield* store.install({
    scripts: desired.scripts,
    timeout: desired.timeout,
    credentials,
    metricsDirectories,
    backupMaxAge: desired.maxAge,
  })
  // A runner stands at every option's path, set or not, so that the published paths change
  // never and a Director not yet reloaded finds each one it names. Without its interpreter
  // a runner would fail the job: only the set options are published then (bacula-fd runs a
  // no-op of its own for the others), and the unit says what is missing, first.
  const interpreter = yield* store.interpreterPresent
  const set = new Set(desired.scripts.map(({ option }) => option))
  const scripts = interpreter ? runners : runners.filter(({ option }) => set.has(option))
  const stop = interpreter ? problem : new RunnerUnavailable({ interpreter: runnerInterpreter })
  if (interpreter) yield* refreshMetrics(runners, metricsDirectories)
  const relationIds = yield* liveBackupRelations
  if (relationIds.length === 0) return yield* stop ?? new RelationMissing()
  if (!(yield* (yield* Leadership).isLeader)) return yield* stop ?? new NotLeader()
  // Juju lets only the leader read the application's databags, as committed before this hook.
  const published = yield* (yield* Relations).appDataOf(relationIds)
  yield* publishSpec(published, { fileset: desired.fileset, scripts })
  if (stop !== undefined) return yield* stop
})
