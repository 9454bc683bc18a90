import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { displayJson } from "../domain/display-json.ts"
import { actionOf, eventOf } from "../domain/events.ts"
import { NotInJuju } from "../domain/failures.ts"
import {
  hookToolTimeoutVariable,
  optDirOf,
  optDirVariable,
  parseUnitName,
} from "../domain/juju-environment.ts"

/** What Juju tells the hook through its environment. */
export class JujuContext extends Context.Service<
  JujuContext,
  {
    /** The event name, from `JUJU_DISPATCH_PATH` (`hooks/config-changed` → `config-changed`). */
    readonly event: string
    /** The action's name when the hook runs one (`JUJU_DISPATCH_PATH=actions/<name>`). */
    readonly action: string | undefined
    /** The part of `JUJU_UNIT_NAME` before `/`. */
    readonly appName: string
    /** The part of `JUJU_UNIT_NAME` after `/`. */
    readonly unitNumber: number
    /** `JUJU_RELATION_ID` on relation events (`backup:2`). */
    readonly relationId: string | undefined
    /** `JUJU_MODEL_NAME` and `JUJU_MODEL_UUID`: the topology COS labels this unit's rules with. */
    readonly modelName: string
    readonly modelUuid: string
    /** `/opt`, unless redirected by {@link optDirVariable}. */
    readonly optDir: string
    /** 60 s, unless shortened by {@link hookToolTimeoutVariable}. */
    readonly hookToolTimeout: Duration.Duration
  }
>()("backup-integrator/layers/JujuContext") {
  static readonly fromEnvironment = (env: Readonly<Record<string, string | undefined>>) =>
    Layer.effect(
      JujuContext,
      Effect.gen(function* () {
        const missing = ["JUJU_DISPATCH_PATH", "JUJU_UNIT_NAME"].filter((name) => !env[name])
        if (missing.length > 0) {
          return yield* new NotInJuju({ reason: `${missing.join(", ")} not set` })
        }
        const dispatchPath = env.JUJU_DISPATCH_PATH as string
        const unitName = env.JUJU_UNIT_NAME as string
        const unit = parseUnitName(unitName)
        if (unit === undefined) {
          return yield* new NotInJuju({
            reason: `JUJU_UNIT_NAME is not a unit name: ${displayJson(unitName)}`,
          })
        }
        const optDir = optDirOf(env)
        if (optDir === undefined) {
          return yield* new NotInJuju({ reason: `${optDirVariable} is not an absolute path` })
        }
        const timeout = Number(env[hookToolTimeoutVariable] || 60)
        if (!(timeout > 0 && Number.isFinite(timeout))) {
          return yield* new NotInJuju({ reason: `${hookToolTimeoutVariable} is not a number of seconds` })
        }
        return JujuContext.of({
          event: eventOf(dispatchPath),
          action: actionOf(dispatchPath),
          ...unit,
          relationId: env.JUJU_RELATION_ID || undefined,
          modelName: env.JUJU_MODEL_NAME ?? "",
          modelUuid: env.JUJU_MODEL_UUID ?? "",
          optDir,
          hookToolTimeout: Duration.seconds(timeout),
        })
      }),
    )

  static readonly layer = JujuContext.fromEnvironment(process.env)
}
