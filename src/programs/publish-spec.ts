import * as Effect from "effect/Effect"
import {
  type BackupSpec,
  type Databag,
  databagChanges,
  databagOf,
  describeSpec,
} from "../domain/backup-spec.ts"
import { JujuLog } from "../layers/JujuLog.ts"
import { Relations } from "../layers/Relations.ts"

/**
 * The leader makes the application databag of every relation in `published` (its bag as
 * read at the start of the hook) exactly `spec`, writing only what differs (nothing when the
 * bag is already right), and logs one INFO line when the published spec changed.
 */
export const publishSpec = Effect.fn("publishSpec")(function* (
  published: ReadonlyMap<string, Databag>,
  spec: BackupSpec,
) {
  const relations = yield* Relations
  const desired = databagOf(spec)
  const updated: Array<string> = []
  for (const [id, current] of published) {
    const changes = databagChanges(current, desired)
    if (Object.keys(changes).length === 0) continue
    yield* relations.updateAppData(id, changes)
    updated.push(id)
  }
  if (updated.length > 0) yield* (yield* JujuLog).info(describeSpec(spec, updated))
})
