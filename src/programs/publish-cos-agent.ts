import * as Effect from "effect/Effect"
import { cosAgentConfig, cosAgentKey } from "../domain/cos-agent-data.ts"
import { JujuContext } from "../layers/JujuContext.ts"
import { Relations } from "../layers/Relations.ts"

/**
 * The events after which this unit's `cos-agent` databag may be other than the charm would
 * write: a new relation, or new rules and dashboard in an upgraded charm. Nothing else it
 * holds changes (the model, the application), so no other hook pays for a look.
 */
const cosAgentEvents: ReadonlySet<string> = new Set([
  "cos-agent-relation-created",
  "cos-agent-relation-joined",
  "cos-agent-relation-changed",
  "upgrade-charm",
])

/**
 * Hands COS's agent this unit's alert rules, dashboard and scrape job: its own databag (a
 * subordinate relation carries unit data only, as the cos_agent library writes it) in each
 * `cos-agent` relation, set only when it differs from what is there.
 */
export const publishCosAgent = Effect.gen(function* () {
  const { event, appName, modelName, modelUuid } = yield* JujuContext
  if (!cosAgentEvents.has(event)) return
  const relations = yield* Relations
  const config = cosAgentConfig({ model: modelName, modelUuid, application: appName })
  for (const id of yield* relations.ids("cos-agent")) {
    const current = yield* relations.ownUnitData(id)
    if (current[cosAgentKey] !== config) yield* relations.updateOwnUnitData(id, { [cosAgentKey]: config })
  }
}).pipe(Effect.withSpan("publishCosAgent"))
