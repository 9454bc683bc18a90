import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { HookToolError } from "../domain/failures.ts"
import { HookTools } from "./HookTools.ts"

/** The unit's log in `juju debug-log`. Each line is a hook-tool call: log only what matters. */
export class JujuLog extends Context.Service<
  JujuLog,
  {
    readonly info: (message: string) => Effect.Effect<void, HookToolError>
    /** Something the operator should look at, which does not stop the charm. */
    readonly warning: (message: string) => Effect.Effect<void, HookToolError>
    readonly error: (message: string) => Effect.Effect<void, HookToolError>
  }
>()("backup-integrator/layers/JujuLog") {
  static readonly layer = Layer.effect(
    JujuLog,
    Effect.map(HookTools, (tools) =>
      JujuLog.of({
        info: (message) => tools.jujuLog({ level: "INFO", message }),
        warning: (message) => tools.jujuLog({ level: "WARNING", message }),
        error: (message) => tools.jujuLog({ level: "ERROR", message }),
      }),
    ),
  )
}
