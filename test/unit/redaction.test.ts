// What gives a credential value away, and how it is hidden from what the charm repeats
// (src/domain/redaction.ts). Each test names what an operator relies on; the property over
// any output and values is in action-text.test.ts.
import { assert, describe, it } from "@effect/vitest"
import { redact, secretTexts } from "../../src/domain/redaction.ts"

/** `output` as shown when the credential values are `values`. */
const hiddenIn = (output: string, values: ReadonlyArray<string>, options?: { readonly cutBefore: boolean }) =>
  redact(output, secretTexts(values), options)

describe("secretTexts: what gives a value away", () => {
  it("a value read with its final newline (`$(cat file)` drops it) or padded: hidden, not what follows it", () => {
    assert.strictEqual(hiddenIn("password hunter2\nconnected\n", ["hunter2\n"]), "password ***\nconnected\n")
    assert.strictEqual(hiddenIn("token=s3cret; user=backup", ["  s3cret\t"]), "token=***; user=backup")
  })

  it("each line of a multi-line value, padded or ending in \\r, where a script prints it alone", () => {
    const key = "-----BEGIN KEY-----\r\n  MIIEabc  \r\n-----END KEY-----\r\n"
    assert.strictEqual(hiddenIn("second line: MIIEabc.\n", [key]), "second line: ***.\n")
    assert.strictEqual(hiddenIn("-----END KEY-----\n", [key]), "***\n")
  })

  it("the whole of a multi-line value as one mark: its lines' count is not shown", () => {
    assert.strictEqual(hiddenIn("key:\nline1\n  line2\nend", ["\nline1\n  line2\n"]), "key:\n***\nend")
  })

  it("a blank value, or a blank line of one, is not a text to hide (it would be found everywhere)", () => {
    assert.sameMembers([...secretTexts(["", " \t\r\n", "a1\n\n  \r\nb2\n"])], ["a1\n\n  \r\nb2", "a1", "b2"])
  })
})

describe("redact", () => {
  it("hides a value wherever it is, as it is: its characters are not a pattern", () => {
    assert.strictEqual(hiddenIn("pass p.ss; p.ss!", ["p.ss"]), "pass ***; ***!")
    assert.strictEqual(hiddenIn("a+b(c) and a+b(c)$", ["a+b(c)$"]), "a+b(c) and ***")
    assert.strictEqual(hiddenIn("key 🔑k€y 😀", ["🔑k€y"]), "key *** 😀")
  })

  it("a value inside another: the longer one is hidden whole, whichever is given first", () => {
    for (const values of [
      ["hunter2", "hunter2-backup"],
      ["hunter2-backup", "hunter2"],
    ]) {
      assert.strictEqual(hiddenIn("as hunter2-backup with hunter2.", values), "as *** with ***.")
    }
  })

  it("values that overlap or touch: no part of either is shown, one mark for them", () => {
    assert.strictEqual(hiddenIn("login adminute.", ["admin", "minute"]), "login ***.")
    assert.strictEqual(hiddenIn("login minuteadmin.", ["admin", "minute"]), "login ***.")
  })

  it("a tail cut inside a value: its start is hidden too, and only then", () => {
    assert.strictEqual(hiddenIn("ter2 connected", ["hunter2"], { cutBefore: true }), "*** connected")
    assert.strictEqual(hiddenIn("ter2 connected", ["hunter2"]), "ter2 connected")
    assert.strictEqual(hiddenIn("hunter2 connected", ["hunter2"], { cutBefore: true }), "*** connected")
  })

  it("a tail cut inside one value, where a whole other begins: no part of the whole one is shown", () => {
    assert.strictEqual(hiddenIn("hunter2 ok", ["xhunt", "hunter2"], { cutBefore: true }), "*** ok")
  })

  it("a tail whose start is not the end of a value is shown whole", () => {
    assert.strictEqual(hiddenIn("hunter connected", ["hunter2"], { cutBefore: true }), "hunter connected")
    assert.strictEqual(hiddenIn("no secret here", [], { cutBefore: true }), "no secret here")
  })
})
