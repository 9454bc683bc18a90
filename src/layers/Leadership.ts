import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { HookToolError } from "../domain/failures.ts"
import { HookTools } from "./HookTools.ts"

/** Whether this unit leads its application, and so owns the application databags. */
export class Leadership extends Context.Service<
  Leadership,
  { readonly isLeader: Effect.Effect<boolean, HookToolError> }
>()("backup-integrator/layers/Leadership") {
  static readonly layer = Layer.effect(
    Leadership,
    Effect.map(HookTools, (tools) => Leadership.of({ isLeader: tools.isLeader() })),
  )
}
