import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { parseScriptTimeout } from "../../src/domain/script-timeout.ts"

describe("script-timeout", () => {
  it("reads days, hours, minutes and seconds, each once and in that order; unset or blank is no limit", () => {
    for (const [text, seconds] of [
      [undefined, undefined],
      ["", undefined],
      ["  ", undefined],
      ["30m", 1800],
      ["1h30m", 5400],
      ["90s", 90],
      ["2h", 7200],
      [" 1h1m1s ", 3661],
      ["168h", 604800],
      // At most 7 days, as the docs say: 7 days itself included, in any of its forms.
      ["7d", 604800],
      ["1d12h", 129600],
      ["6d23h59m60s", 604800],
      ["604800s", 604800],
      ["0007d", 604800],
    ] as const) {
      assert.deepStrictEqual(parseScriptTimeout(text), Result.succeed(seconds), String(text))
    }
  })

  it("refuses what is not such a duration, 0s, and more than 7 days, saying which", () => {
    for (const [text, reason] of [
      ["30", "expected a duration such as 30m, 1h30m or 90s"],
      ["30 m", "expected a duration such as 30m, 1h30m or 90s"],
      ["1m1h", "expected a duration such as 30m, 1h30m or 90s"],
      ["1.5h", "expected a duration such as 30m, 1h30m or 90s"],
      ["-5m", "expected a duration such as 30m, 1h30m or 90s"],
      ["1h1d", "expected a duration such as 30m, 1h30m or 90s"],
      ["1w", "expected a duration such as 30m, 1h30m or 90s"],
      ["0s", "must be longer than 0s"],
      ["0h0m", "must be longer than 0s"],
      ["169h", "longer than 7 days"],
      ["7d1s", "longer than 7 days"],
      ["604801s", "longer than 7 days"],
      // However many digits: the limit is named, not the form.
      ["10000000h", "longer than 7 days"],
      [`${"9".repeat(400)}d`, "longer than 7 days"],
    ] as const) {
      const result = parseScriptTimeout(text)
      assert.isTrue(Result.isFailure(result), text)
      if (Result.isFailure(result)) assert.strictEqual(result.failure.reason, reason, text)
    }
  })
})
