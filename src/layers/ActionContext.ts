import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { linesEscaped } from "../domain/display-json.ts"
import type { HookToolError } from "../domain/failures.ts"
import { HookTools } from "./HookTools.ts"

/**
 * The action a hook runs (`juju run <unit> <action>`): its parameters, results and log. What
 * it shows is escaped as the status is (src/domain/display-json.ts; newline and tab kept),
 * whatever a result is made of: a script's output, a record's or a journal's fields.
 */
export class ActionContext extends Context.Service<
  ActionContext,
  {
    readonly params: Effect.Effect<Readonly<Record<string, unknown>>, HookToolError>
    /** Adds results; a dotted key nests (`run-before-backup.run-1.started`). */
    readonly set: (results: Readonly<Record<string, string>>) => Effect.Effect<void, HookToolError>
    /** Marks the action failed, with why; results set stay. */
    readonly fail: (message: string) => Effect.Effect<void, HookToolError>
    /** A progress line, shown by `juju show-task` while the action runs. */
    readonly log: (message: string) => Effect.Effect<void, HookToolError>
  }
>()("backup-integrator/layers/ActionContext") {
  static readonly layer = Layer.effect(
    ActionContext,
    Effect.map(HookTools, (tools) =>
      ActionContext.of({
        params: tools.actionGet(),
        set: (results) =>
          tools.actionSet(
            Object.fromEntries(Object.entries(results).map(([key, value]) => [key, linesEscaped(value)])),
          ),
        fail: (message) => tools.actionFail(linesEscaped(message)),
        log: (message) => tools.actionLog(linesEscaped(message)),
      }),
    ),
  )
}
