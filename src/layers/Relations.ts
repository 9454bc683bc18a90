import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { Databag } from "../domain/backup-spec.ts"
import type { HookToolError } from "../domain/failures.ts"
import { HookTools } from "./HookTools.ts"
import { JujuContext } from "./JujuContext.ts"

/** The relations of an endpoint and this application's databag in each. */
export class Relations extends Context.Service<
  Relations,
  {
    readonly ids: (endpoint: string) => Effect.Effect<ReadonlyArray<string>, HookToolError>
    /** This application's databag in each relation, in the order given (leader only). */
    readonly appDataOf: (
      ids: ReadonlyArray<string>,
    ) => Effect.Effect<ReadonlyMap<string, Databag>, HookToolError>
    /** This unit's own databag in a relation. */
    readonly ownUnitData: (id: string) => Effect.Effect<Databag, HookToolError>
    /** Sets the given keys of this unit's databag; `""` deletes a key. */
    readonly updateOwnUnitData: (id: string, changes: Databag) => Effect.Effect<void, HookToolError>
    /** Sets the given keys of this application's databag; `""` deletes a key. */
    readonly updateAppData: (id: string, changes: Databag) => Effect.Effect<void, HookToolError>
  }
>()("backup-integrator/layers/Relations") {
  static readonly layer = Layer.effect(
    Relations,
    Effect.gen(function* () {
      const tools = yield* HookTools
      const { appName, unitNumber } = yield* JujuContext
      return Relations.of({
        ids: (endpoint) => tools.relationIds(endpoint),
        appDataOf: (ids) =>
          Effect.map(
            Effect.forEach(ids, (id) => tools.relationGet({ id, app: appName })),
            (bags) => new Map(ids.map((id, i) => [id, bags[i] as Databag])),
          ),
        updateAppData: (id, data) => tools.relationSet({ id, data }),
        ownUnitData: (id) => tools.unitRelationGet({ id, unit: `${appName}/${unitNumber}` }),
        updateOwnUnitData: (id, data) => tools.unitRelationSet({ id, data }),
      })
    }),
  )
}
