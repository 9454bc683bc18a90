import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { displayJson } from "../domain/display-json.ts"
import { eventOf } from "../domain/events.ts"
import { NotInJuju } from "../domain/failures.ts"

/** Juju application names, as Juju validates them; the scripts path is built from one. */
const appNamePattern = "[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*"

/**
 * `backup-integrator/0`, or the unit's tag `unit-backup-integrator-0`, which is what Juju
 * sets in a restricted context. An application name never ends in an all-digit segment, so
 * the tag reads one way only.
 */
const unitNamePatterns = [
  new RegExp(`^(${appNamePattern})/(\\d+)$`),
  new RegExp(`^unit-(${appNamePattern})-(\\d+)$`),
]

/**
 * Replaces `/opt` as the root of the scripts directory. Juju never sets it: it lets the
 * end-to-end tests run the packed charm unprivileged without changing what it does under Juju.
 */
export const optDirVariable = "BACKUP_INTEGRATOR_OPT_DIR"

/**
 * How long a hook tool may take, in seconds, before the hook gives up on it (60 by default).
 * Juju never sets it either: the fault tests shorten it to see a hanging tool handled.
 */
export const hookToolTimeoutVariable = "BACKUP_INTEGRATOR_HOOK_TOOL_TIMEOUT"

/** What Juju tells the hook through its environment. */
export class JujuContext extends Context.Service<
  JujuContext,
  {
    /** The event name, from `JUJU_DISPATCH_PATH` (`hooks/config-changed` → `config-changed`). */
    readonly event: string
    /** The part of `JUJU_UNIT_NAME` before `/`. */
    readonly appName: string
    /** The part of `JUJU_UNIT_NAME` after `/`. */
    readonly unitNumber: number
    /** `JUJU_RELATION_ID` on relation events (`backup:2`). */
    readonly relationId: string | undefined
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
        const [, appName, unitNumber] = unitNamePatterns.map((p) => p.exec(unitName)).find(Boolean) ?? []
        if (appName === undefined || unitNumber === undefined) {
          return yield* new NotInJuju({
            reason: `JUJU_UNIT_NAME is not a unit name: ${displayJson(unitName)}`,
          })
        }
        const optDir = env[optDirVariable] || "/opt"
        if (!optDir.startsWith("/")) {
          return yield* new NotInJuju({ reason: `${optDirVariable} is not an absolute path` })
        }
        const timeout = Number(env[hookToolTimeoutVariable] || 60)
        if (!(timeout > 0 && Number.isFinite(timeout))) {
          return yield* new NotInJuju({ reason: `${hookToolTimeoutVariable} is not a number of seconds` })
        }
        return JujuContext.of({
          event: eventOf(dispatchPath),
          appName,
          unitNumber: Number(unitNumber),
          relationId: env.JUJU_RELATION_ID || undefined,
          optDir: optDir.replace(/\/+$/, ""),
          hookToolTimeout: Duration.seconds(timeout),
        })
      }),
    )

  static readonly layer = JujuContext.fromEnvironment(process.env)
}
