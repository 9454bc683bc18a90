import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import fc from "fast-check"
import { desiredStateOf } from "../../src/domain/desired-state.ts"
import {
  InvalidFileset,
  InvalidScript,
  MissingFileset,
  NotLeader,
  RelationMissing,
} from "../../src/domain/failures.ts"
import { jsonAscii } from "../../src/domain/json-ascii.ts"
import { scriptOptions } from "../../src/domain/options.ts"
import { maxMessageLength, statusOf } from "../../src/domain/unit-status.ts"

describe("statusOf", () => {
  it("maps each stop to the spec's status and message", () => {
    assert.deepStrictEqual(statusOf(new MissingFileset()), {
      status: "blocked",
      message: "missing fileset config",
    })
    assert.deepStrictEqual(statusOf(new InvalidFileset({ path: "a\nb", reason: "not an absolute path" })), {
      status: "blocked",
      message: 'invalid fileset: "a\\nb": not an absolute path',
    })
    assert.deepStrictEqual(statusOf(new InvalidScript({ option: "run-before-restore" })), {
      status: "blocked",
      message: "invalid run-before-restore: script must start with #!",
    })
    assert.deepStrictEqual(statusOf(new RelationMissing()), {
      status: "waiting",
      message: "waiting for backup relation",
    })
    assert.deepStrictEqual(statusOf(new NotLeader()), { status: "active", message: "" })
  })

  it("shortens a long path, keeping the reason and whole escape sequences", () => {
    const path = `/${"x".repeat(50)}\u202e${"y".repeat(200)} z`
    const { message } = statusOf(new InvalidFileset({ path, reason: "character ' ' is not allowed" }))
    assert.isAtMost(message.length, maxMessageLength)
    assert.match(message, /^invalid fileset: "\/x{50}\\u202ey+\.\.\.": character ' ' is not allowed$/)
  })
})

describe("jsonAscii", () => {
  it("is JSON, and shows every non-printable or non-ASCII character escaped", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (value) => {
        const quoted = jsonAscii(value)
        assert.strictEqual(JSON.parse(quoted), value)
        assert.match(quoted, /^[\x20-\x7e]*$/)
      }),
      { seed: 20261124, numRuns: 2000 },
    )
  })
})

describe("for any configuration", () => {
  const value = fc.oneof(
    fc.string({ unit: "binary", maxLength: 300 }),
    fc.string({ maxLength: 30 }).map((s) => `#!${s}`),
    fc.array(fc.string({ unit: "binary", maxLength: 60 })).map((parts) => parts.join(",")),
  )
  const config = fc.record(Object.fromEntries(["fileset", ...scriptOptions].map((key) => [key, value])), {
    requiredKeys: [],
  })

  it("the status is one line of at most 120 printable ASCII characters, never a script's content", () => {
    fc.assert(
      fc.property(config, (raw) => {
        const result = desiredStateOf(raw)
        if (Result.isSuccess(result)) return
        const { status, message } = statusOf(result.failure)
        assert.strictEqual(status, "blocked")
        assert.isAtMost(message.length, maxMessageLength)
        assert.match(message, /^[\x20-\x7e]+$/)
        for (const option of scriptOptions) {
          const script = raw[option]
          if (script !== undefined && script.length > 3) assert.notInclude(message, script)
        }
      }),
      { seed: 20261124, numRuns: 3000 },
    )
  })
})
