// What an action's results show of a script's output: credential values hidden, control
// characters escaped (src/domain/action-text.ts; the hiding alone: redaction.test.ts).
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { shownOutput } from "../../src/domain/action-text.ts"
import { hiddenChar, linesEscaped } from "../../src/domain/display-json.ts"
import { secretTexts } from "../../src/domain/redaction.ts"

describe("linesEscaped", () => {
  it("escapes NUL, ESC, CR, BEL, DEL and C1 controls; keeps newline, tab and every letter", () => {
    assert.strictEqual(
      linesEscaped("a\u0000b\u001b[31mc\rd\u0007\u007f\u009b\n\té€😀"),
      "a\\u0000b\\u001b[31mc\\u000dd\\u0007\\u007f\\u009b\n\té€😀",
    )
  })

  it("escapes what the status escapes: a direction override, a line separator, a zero-width space", () => {
    assert.strictEqual(
      linesEscaped("\u202eexe.txt\u2028b\u200bc\u00a0d e\u0301"),
      "\\u202eexe.txt\\u2028b\\u200bc\\u00a0d e\u0301",
    )
  })
})

describe("shownOutput", () => {
  // '*' is the mark's own character: a value made of it could be read into the mark.
  const value = fc.string({ unit: "binary", minLength: 1, maxLength: 12 }).filter((v) => !v.includes("*"))

  it("for any output and values: no value, no line of one, and no control character but newline and tab", () => {
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 3 }),
        fc.array(fc.oneof(fc.string({ unit: "binary", maxLength: 20 }), value)),
        fc.boolean(),
        (values, parts, cutBefore) => {
          const secrets = secretTexts(values)
          const shown = shownOutput(parts.join(""), secrets, { cutBefore })
          for (const secret of secrets) assert.notInclude(shown, secret)
          assert.notMatch(shown, new RegExp(`(?![\\n\\t])(?:${hiddenChar.source})`, "u"))
        },
      ),
      { seed: 20261203, numRuns: 3000 },
    )
  })

  it("a tail the runner cut inside a value: its start is hidden too, and only then", () => {
    const secrets = secretTexts(["hunter2"])
    assert.strictEqual(shownOutput("ter2 connected\n", secrets, { cutBefore: true }), "*** connected\n")
    assert.strictEqual(shownOutput("ter2 connected\n", secrets, { cutBefore: false }), "ter2 connected\n")
  })

  it("keeps the last 4096 characters", () => {
    assert.strictEqual(shownOutput(`${"a".repeat(5000)}z`, [], { cutBefore: false }).length, 4096)
  })
})
