import { assert, describe, it } from "@effect/vitest"
import { Option, Result, Schema } from "effect"
import fc from "fast-check"
import { desiredStateOf } from "../../src/domain/desired-state.ts"
import { displayJson, hiddenChar } from "../../src/domain/display-json.ts"
import {
  InvalidCredentialsKey,
  InvalidFileset,
  InvalidScript,
  MissingFileset,
  NotLeader,
  RelationMissing,
} from "../../src/domain/failures.ts"
import { scriptOptions } from "../../src/domain/options.ts"
import { RunRecord } from "../../src/domain/run-record.ts"
import {
  active,
  maxMessageLength,
  messageLength,
  shownStatus,
  statusOf,
} from "../../src/domain/unit-status.ts"
import { runRecord } from "../support/run-record.ts"

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
    assert.deepStrictEqual(statusOf(new InvalidScript({ option: "run-before-restore", problem: "crlf" })), {
      status: "blocked",
      message: "invalid run-before-restore: script has Windows (CRLF) line endings",
    })
    assert.deepStrictEqual(
      statusOf(new InvalidScript({ option: "run-after-backup", problem: "byte-order-mark" })),
      {
        status: "blocked",
        message:
          "invalid run-after-backup: script starts with a byte-order mark (save it as UTF-8 without BOM)",
      },
    )
    assert.deepStrictEqual(statusOf(new RelationMissing()), {
      status: "waiting",
      message: "waiting for backup relation",
    })
    assert.deepStrictEqual(statusOf(new NotLeader()), { status: "active", message: "" })
  })

  it("shows letters of every script as themselves, hidden characters escaped", () => {
    assert.deepStrictEqual(
      statusOf(new InvalidFileset({ path: "/srv/डेटा x", reason: "character ' ' is not allowed" })),
      {
        status: "blocked",
        message: `invalid fileset: "/srv/डेटा x": character ' ' is not allowed`,
      },
    )
    const { message } = statusOf(new InvalidFileset({ path: "/a'b\u200b\u202e", reason: "r" }))
    assert.strictEqual(message, `invalid fileset: "/a'b\\u200b\\u202e": r`)
  })

  it("shortens a long path, keeping the reason, whole escape sequences and whole letters", () => {
    const path = `/${"x".repeat(50)}\u202e${"y".repeat(200)} z`
    const { message } = statusOf(new InvalidFileset({ path, reason: "character ' ' is not allowed" }))
    assert.isAtMost(message.length, maxMessageLength)
    assert.match(message, /^invalid fileset: "\/x{50}\\u202ey+\.\.\.": character ' ' is not allowed$/)
    for (let n = 60; n < 80; n++) {
      const cut = statusOf(
        new InvalidFileset({ path: `/${"a".repeat(n)}${"डे".repeat(40)} `, reason: "r" }),
      ).message
      assert.isAtMost(messageLength(cut), maxMessageLength)
      // Each ड keeps its vowel sign: the cut falls between graphemes, never inside one.
      const count = (char: string) => cut.split(char).length - 1
      assert.strictEqual(count("\u0921"), count("\u0947"), cut)
    }
  })

  it("cuts a long path between whole escape sequences: what is shown reads back as the path's start", () => {
    for (let n = 50; n < 80; n++) {
      const path = `/${"a".repeat(n)}${'\u202e\n"\\\u0007'.repeat(20)}`
      const { message } = statusOf(new InvalidFileset({ path, reason: "r" }))
      const body = /^invalid fileset: "(.*)\.\.\.": r$/s.exec(message)?.[1] ?? ""
      // Half an escape sequence (`\u20`, a lone `\`) is not JSON: the parse throws.
      const shown: string = JSON.parse(`"${body}"`)
      assert.isTrue(path.startsWith(shown) && shown.length > n, message)
    }
  })

  it("shows as much of a long path as fits: the message is 120 characters; a path that fits, whole", () => {
    const { message } = statusOf(new InvalidFileset({ path: `/${"x".repeat(300)}`, reason: "r" }))
    assert.strictEqual(messageLength(message), maxMessageLength)
    // A path whose message is exactly 120 characters is shown whole.
    const path = `/${"x".repeat(maxMessageLength - messageLength('invalid fileset: "/": r'))}`
    assert.strictEqual(
      statusOf(new InvalidFileset({ path, reason: "r" })).message,
      `invalid fileset: "${path}": r`,
    )
  })

  it("names a credentials key whole when it fits in 60 characters quoted, else by its first 40", () => {
    const named = (key: string) => statusOf(new InvalidCredentialsKey({ key })).message
    const fits = `.${"k".repeat(57)}`
    assert.strictEqual(named(fits), `invalid credentials key "${fits}": not a safe file name`)
    const long = `.${"k".repeat(58)}`
    assert.strictEqual(named(long), `invalid credentials key "${long.slice(0, 40)}...": not a safe file name`)
    // Escapes count as shown: 29 tabs are 60 characters quoted, 30 are 62.
    const tabs = "\t".repeat(29)
    assert.strictEqual(named(tabs), `invalid credentials key "${"\\t".repeat(29)}": not a safe file name`)
    assert.strictEqual(
      named(`${tabs}\t`),
      `invalid credentials key "${"\\t".repeat(30)}...": not a safe file name`,
    )
  })
})

describe("displayJson", () => {
  it("is JSON of the same string, with no hidden character left raw", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (value) => {
        const quoted = displayJson(value)
        assert.strictEqual(JSON.parse(quoted), value)
        for (const char of quoted) assert.isFalse(hiddenChar.test(char), JSON.stringify(char))
      }),
      { seed: 20261124, numRuns: 2000 },
    )
  })

  it("leaves letters, marks and symbols of any script as they are", () => {
    const text = "/srv/डेटा/தரவு/ข้อมูล/café/日本語/😀/❤\ufe0f/x'y"
    assert.strictEqual(displayJson(text), `"${text}"`)
  })
})

describe("for any configuration", () => {
  const value = fc.oneof(
    fc.string({ unit: "binary", maxLength: 300 }),
    fc.string({ maxLength: 30 }).map((s) => `#!${s}\r\n`),
    fc.array(fc.string({ unit: "binary", maxLength: 60 })).map((parts) => parts.join(",")),
  )
  const config = fc.record(Object.fromEntries(["fileset", ...scriptOptions].map((key) => [key, value])), {
    requiredKeys: [],
  })

  it("the status is one line of at most 120 characters, nothing hidden, never a script's content", () => {
    fc.assert(
      fc.property(config, (raw) => {
        const result = desiredStateOf(raw)
        if (Result.isSuccess(result)) return
        const { status, message } = statusOf(result.failure)
        assert.strictEqual(status, "blocked")
        assert.isAtMost(messageLength(message), maxMessageLength)
        for (const char of message) assert.isFalse(hiddenChar.test(char), JSON.stringify(char))
        for (const option of scriptOptions) {
          const script = raw[option]
          if (script !== undefined && script.length > 3) assert.notInclude(message, script)
        }
      }),
      { seed: 20261124, numRuns: 3000 },
    )
  })
})

describe("a failed run in the status", () => {
  const noCheck = {
    lastBackup: null,
    maxAge: null,
    checkSince: null,
    unanswered: [],
    now: Date.parse("2027-01-01T00:00:00Z"),
  }
  // A signal name longer than Python's: a record the schema would refuse, whatever wrote it.
  const killedBy = (signal: string) =>
    shownStatus(
      active,
      [runRecord("run-before-backup", "2026-12-02T01:00:00.000Z", { exitStatus: null, signal })],
      noCheck,
    ).message
  const words = (signal: string) =>
    `run-before-backup failed (killed by ${signal}) at 2026-12-02 01:00 UTC; see action show-runs`

  it("is shown whole up to 120 characters", () => {
    const signal = `SIG${"X".repeat(maxMessageLength - words("SIG").length)}`
    assert.strictEqual(killedBy(signal), words(signal))
    assert.strictEqual(messageLength(words(signal)), maxMessageLength)
  })

  it("a run ended ahead of the clock says so while that fits; else the mark gives way, not what to do", () => {
    const ahead = (signal: string) =>
      shownStatus(
        active,
        [runRecord("run-before-backup", "2027-06-01T01:00:00.000Z", { exitStatus: null, signal })],
        noCheck,
      ).message
    const plain = (signal: string) =>
      `run-before-backup failed (killed by ${signal}) at 2027-06-01 01:00 UTC; see action show-runs`
    const marked = (signal: string) =>
      `run-before-backup failed (killed by ${signal}) at 2027-06-01 01:00 UTC (future: clock?); see action show-runs`
    const fits = `SIG${"X".repeat(maxMessageLength - marked("SIG").length)}`
    assert.strictEqual(ahead(fits), marked(fits))
    assert.strictEqual(messageLength(marked(fits)), maxMessageLength)
    assert.strictEqual(ahead(`${fits}X`), plain(`${fits}X`))
  })

  it("whatever a record holds: one line of 120 characters at most, cut with ..., nothing hidden", () => {
    const signal = `SIG\u202e${"X".repeat(maxMessageLength)}`
    const message = killedBy(signal)
    assert.strictEqual(message, `${words(`SIG\\u202e${"X".repeat(maxMessageLength)}`).slice(0, 117)}...`)
    assert.strictEqual(messageLength(message), maxMessageLength)
  })
})

describe("for any run record", () => {
  const hostile = fc.string({ unit: "binary", maxLength: 300 })
  // Mostly what the runner writes, so that many records decode; else anything.
  const field = <T>(valid: fc.Arbitrary<T>) =>
    fc.oneof(
      { arbitrary: valid, weight: 30 },
      { arbitrary: fc.oneof(hostile, fc.integer(), fc.double(), fc.constant(null)), weight: 1 },
    )
  const record = fc.record({
    version: fc.constant(1),
    script: field(fc.constantFrom(...scriptOptions)),
    pid: field(fc.integer({ min: 1 })),
    started: field(fc.constant("2026-12-01T03:00:00.000Z")),
    ended: field(
      fc
        .date({ min: new Date(0), max: new Date("9999-12-31T23:59:59.999Z"), noInvalidDate: true })
        .map((date) => date.toISOString()),
    ),
    durationMs: field(fc.nat()),
    exitStatus: field(fc.integer({ min: 0, max: 255 })),
    signal: field(fc.stringMatching(/^SIG[A-Z0-9]{1,12}$/)),
    timedOut: fc.boolean(),
    timeout: field(fc.integer({ min: 1, max: 7 * 24 * 3600 })),
    forwardedSignals: fc.constant([]),
    stoppedLeftovers: fc.constant(0),
    outputBytes: fc.constant(0),
    output: hostile,
  })
  const decode = Schema.decodeUnknownOption(RunRecord)

  it("a failure it records shows as one line of at most 120 characters, nothing hidden", () => {
    let shown = 0
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 4 }), (raws) => {
        const records = raws.flatMap((raw) => Option.toArray(decode(raw)))
        const { status, message } = shownStatus(active, records, {
          lastBackup: null,
          unanswered: [],
          maxAge: null,
          checkSince: null,
          now: 0,
        })
        if (status === "blocked") shown++
        assert.isAtMost(messageLength(message), maxMessageLength)
        for (const char of message) assert.isFalse(hiddenChar.test(char), JSON.stringify(char))
      }),
      { seed: 20261203, numRuns: 3000 },
    )
    assert.isAbove(shown, 100, "failures were shown")
  })
})
