import { assert, describe, it } from "@effect/vitest"
import { durationText } from "../../src/domain/duration.ts"

describe("durations", () => {
  it("writes seconds back as the option writes them, as the runner does", () => {
    for (const [seconds, text] of [
      [1800, "30m"],
      [5400, "1h30m"],
      [3661, "1h1m1s"],
      [45, "45s"],
      [0, "0s"],
    ] as const) {
      assert.strictEqual(durationText(seconds), text)
    }
  })
})
