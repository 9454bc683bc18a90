// Hostile configuration through the whole program (test layers): whatever the operator
// types, the unit ends in a status of the spec, says so in one safe line, and publishes no
// path that bacula-server could misread.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import fc from "fast-check"
import { hiddenChar } from "../../src/domain/display-json.ts"
import { CharmConfigValues, scriptOptions } from "../../src/domain/options.ts"
import { maxMessageLength, messageLength } from "../../src/domain/unit-status.ts"
import { model } from "../support/fake-juju.ts"
import { runEvent } from "../support/run-program.ts"

const nasty = fc.constantFrom(
  ..."\u0000\n\r\t \"'{}#\\*?[],;$`|&<>()!\u202e\u2066\u200b\u200d\u2028\ufeff\u00a0é日/.-_+@%~:".split(""),
  "..",
  "//",
  "#!",
  ",,,",
)
const value = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.array(fc.oneof(nasty, fc.string({ maxLength: 5 })), { maxLength: 30 }).map((parts) => parts.join("")),
  fc
    .array(fc.oneof(nasty, fc.stringMatching(/^[a-z]{1,8}$/)), { maxLength: 12 })
    .map((parts) => `/${parts.join("/")}`),
  fc.string({ maxLength: 40 }).map((s) => `#!/bin/sh\n${s}`),
  fc.string({ maxLength: 40 }).map((s) => `#!/bin/sh\r\n${s}`),
  fc.constant(`/${"a".repeat(5000)}`),
  fc.constant(Array.from({ length: 300 }, (_, i) => `/srv/p${i}`).join(",")),
)
// Every option the charm reads, each unset or any of these.
const config = fc.record(
  Object.fromEntries(Object.keys(CharmConfigValues.fields).map((key) => [key, value])),
  {
    requiredKeys: [],
  },
)

// What would read differently as an unquoted `File =` value, or not show: never published.
const misread = /[\s"#;={}\\,*?\p{Cc}\p{Cs}]|(?![\u200c\u200d])\p{Cf}/u
const specStatuses = new Set([
  "active",
  "blocked:missing fileset config",
  "waiting:waiting for backup relation",
])

describe("any configuration, through the program", () => {
  it.effect("a spec status in one safe line, only safe paths published, no script content shown", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(config, fc.boolean(), async (raw, withRelation) => {
          const { exit, model: after } = await Effect.runPromise(
            runEvent(model({ config: raw, relations: withRelation ? { "backup:1": {} } : {} })),
          )
          assert.isTrue(Exit.isSuccess(exit))
          const { status, message } = after.status ?? { status: "none", message: "" }
          assert.isAtMost(messageLength(message), maxMessageLength)
          for (const char of message) assert.isFalse(hiddenChar.test(char), JSON.stringify(message))
          const known =
            specStatuses.has(status === "active" ? "active" : `${status}:${message}`) ||
            (status === "blocked" &&
              /^invalid (fileset: ".*": .+|run-[a-z-]+: script (has Windows \(CRLF\) line endings|starts with a byte-order mark \(save it as UTF-8 without BOM\))|script-timeout: .+|credentials: not a secret URI \(juju add-secret prints one\))$/.test(
                message,
              ))
          assert.isTrue(known, `${status}: ${message}`)
          const bag = after.relations["backup:1"] ?? {}
          for (const path of (bag.fileset ?? "").split(",").filter((p) => p !== "")) {
            assert.match(path, /^\//)
            assert.notMatch(path, misread)
            assert.notMatch(path, /\/\/|(^|\/)\.\.?(\/|$)|.\/$/)
          }
          const shown = JSON.stringify([after.status, after.logs])
          for (const option of scriptOptions) {
            const script = raw[option]
            if (script !== undefined && script.trim().length > 8) assert.notInclude(shown, script)
          }
        }),
        { seed: 20261124, numRuns: 1500 },
      ),
    ),
  )
})
