import * as Result from "effect/Result"

const units = { d: 24 * 3600, h: 3600, m: 60, s: 1 } as const

/**
 * A duration option (`30m`, `1h30m`, `90s`, `7d`: days, hours, minutes, seconds, each at
 * most once and in that order), in whole seconds, more than 0 and at most `max` (`maxText`
 * says it). Unset or blank means none. Any number of digits: a duration too long is refused
 * naming the limit, not the form. A failure is the reason, for the option's own typed failure.
 */
export const parseDuration = (
  value: string | undefined,
  max: number,
  maxText: string,
): Result.Result<number | undefined, string> => {
  if (value === undefined || value.trim() === "") return Result.succeed(undefined)
  const match = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value.trim())
  if (match === null || match[0] === "") return Result.fail("expected a duration such as 30m, 1h30m or 90s")
  const [, days = "0", hours = "0", minutes = "0", seconds = "0"] = match
  const total =
    Number(days) * units.d + Number(hours) * units.h + Number(minutes) * units.m + Number(seconds) * units.s
  if (total === 0) return Result.fail("must be longer than 0s")
  if (total > max) return Result.fail(`longer than ${maxText}`)
  return Result.succeed(total)
}

/** Seconds as the option writes them: `1h30m`, `45s`. The runner (src/runner/) writes them alike. */
export const durationText = (total: number): string => {
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = Math.floor(total % 60)
  return `${hours ? `${hours}h` : ""}${minutes ? `${minutes}m` : ""}${seconds ? `${seconds}s` : ""}` || "0s"
}
