import * as Result from "effect/Result"
import { parseDuration } from "./duration.ts"
import { InvalidBackupMaxAge } from "./failures.ts"

/** At most a year: a backup older than that is an archive, not a check. */
export const maxBackupMaxAge = 366 * 24 * 3600

/**
 * `backup-max-age`: how long after the last successful backup (or, before the first, after
 * the check began) the unit is blocked, as a duration in script-timeout's syntax (`26h`).
 * Unset or blank means no check. In whole seconds.
 */
export const parseBackupMaxAge = (
  value: string | undefined,
): Result.Result<number | undefined, InvalidBackupMaxAge> =>
  Result.mapError(
    parseDuration(value, maxBackupMaxAge, "366 days"),
    (reason) => new InvalidBackupMaxAge({ reason }),
  )
