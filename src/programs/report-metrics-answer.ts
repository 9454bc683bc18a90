import * as Effect from "effect/Effect"
import { hiddenEscaped } from "../domain/display-json.ts"
import { DiskError } from "../domain/failures.ts"
import { JujuLog } from "../layers/JujuLog.ts"
import type { MetricsAnswer } from "../layers/ScriptRunner.ts"

/**
 * What the runner said of the metrics files (what it left alone in a textfile directory, and
 * why) goes to `juju debug-log` as warnings; a delete that failed for a reason that may pass
 * (EIO, ENOMEM...) fails the hook, so that Juju runs it again. Something hostile in the way
 * never fails it: it is said, and left alone.
 */
export const reportMetricsAnswer = Effect.fn("reportMetricsAnswer")(function* ({
  said,
  tryAgain,
}: MetricsAnswer) {
  const log = yield* JujuLog
  for (const line of said) yield* log.warning(hiddenEscaped(line))
  if (tryAgain)
    return yield* new DiskError({
      operation: "delete",
      path: "an old metrics file",
      reason: "a failure that may pass (the warning above says which); Juju runs the hook again",
    })
})
