import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { HookToolError } from "../domain/failures.ts"
import type { UnitStatus } from "../domain/unit-status.ts"
import { HookTools } from "./HookTools.ts"

/** Shows the unit's status to the operator (`juju status`). */
export class StatusReporter extends Context.Service<
  StatusReporter,
  { readonly set: (status: UnitStatus) => Effect.Effect<void, HookToolError> }
>()("backup-integrator/layers/StatusReporter") {
  static readonly layer = Layer.effect(
    StatusReporter,
    Effect.map(HookTools, (tools) => StatusReporter.of({ set: tools.statusSet })),
  )
}
