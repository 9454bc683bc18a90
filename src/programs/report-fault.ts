import * as Effect from "effect/Effect"
import type { HookFault } from "../domain/failures.ts"
import { JujuLog } from "../layers/JujuLog.ts"

/** The one line that says which tool or file failed, and why. */
export const faultLine = (fault: HookFault): string => `backup-integrator: ${fault.message}`

/**
 * Puts the fault in `juju debug-log` as well, best effort: a failing `juju-log` is not
 * asked to log its own failure, and a second fault here changes nothing of the first.
 */
export const logFault = (fault: HookFault) =>
  fault._tag === "HookToolError" && fault.tool === "juju-log"
    ? Effect.void
    : Effect.flatMap(JujuLog, (log) => log.error(faultLine(fault))).pipe(Effect.ignore)
