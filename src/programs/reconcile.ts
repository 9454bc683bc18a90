import * as Effect from "effect/Effect"
import { scriptPathsNamedIn } from "../domain/backup-spec.ts"
import { desiredStateOf } from "../domain/desired-state.ts"
import { NotLeader, RelationMissing, RunnerUnavailable } from "../domain/failures.ts"
import { snapMetricsDirectory } from "../domain/metrics-directory.ts"
import { runnerInterpreter } from "../domain/script-paths.ts"
import { CharmConfig } from "../layers/CharmConfig.ts"
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
 * Brings the unit to what the configuration asks, whatever the event. Ends with success
 * when the leader has published the spec; a stop (bad configuration, no relation, a
 * follower) is a typed failure that reconcileAndReport turns into a status. While the
 * configuration is bad nothing is written, so backups go on with the last good spec.
 * `settled` is false when a withdrawn script had to be kept for a committed databag: a later
 * hook deletes it. A stop is always settled: a follower, or a unit without relation, can
 * read no databag and deletes at once. A missing interpreter for the runner, or a credentials
 * secret that cannot be used, stops it too, but last: everything else is applied (and the
 * last good credentials stay).
 */
export const reconcile = Effect.gen(function* () {
  const config = yield* (yield* CharmConfig).get
  const desired = yield* Effect.fromResult(desiredStateOf(config))
  const { credentials, problem } = yield* credentialsFor(desired.credentials)
  // Every unit installs the scripts: the path the leader publishes is used on every machine.
  const store = yield* ScriptStore
  const metricsDirectories = [desired.metricsDirectory, snapMetricsDirectory]
  const scripts = yield* store.install({
    scripts: desired.scripts,
    timeout: desired.timeout,
    credentials,
    metricsDirectories,
  })
  // Without the runner's interpreter every script would fail in Bacula's job: said first.
  const runnable = scripts.length > 0 && (yield* store.interpreterPresent)
  const stop =
    scripts.length > 0 && !runnable ? new RunnerUnavailable({ interpreter: runnerInterpreter }) : problem
  if (runnable) yield* refreshMetrics(scripts, metricsDirectories)
  const relationIds = yield* liveBackupRelations
  const leader = relationIds.length > 0 && (yield* (yield* Leadership).isLeader)
  // Juju lets only the leader read the application's databags, as committed before this hook.
  const published = leader ? yield* (yield* Relations).appDataOf(relationIds) : new Map()
  // Relation data is committed only if the hook succeeds, files stay whatever happens: a
  // script a committed bag names is kept until a later hook finds it named no more. A
  // follower cannot know, and deletes at once (docs/explanation.md says what that leaves).
  const installed = scripts.map(({ path }) => path)
  const named = scriptPathsNamedIn(published.values())
  yield* store.withdraw([...installed, ...named])
  if (relationIds.length === 0) return yield* stop ?? new RelationMissing()
  if (!leader) return yield* stop ?? new NotLeader()
  yield* publishSpec(published, { fileset: desired.fileset, scripts })
  if (stop !== undefined) return yield* stop
  return { settled: named.every((path) => installed.includes(path)) }
}).pipe(Effect.withSpan("reconcile"))
