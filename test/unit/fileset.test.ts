import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import fc from "fast-check"
import {
  maxPathBytes,
  normalisePath,
  parseFileset,
  pathViolation,
  splitFileset,
} from "../../src/domain/fileset.ts"

describe("splitFileset", () => {
  it("splits on commas, trims, drops empty entries", () => {
    assert.deepStrictEqual(splitFileset(" /a ,, /b,/a,\t/c\n, "), ["/a", "/b", "/a", "/c"])
  })
})

describe("normalisePath, as bacula-fd's parser", () => {
  for (const [path, normal] of [
    ["/var//a/./b/", "/var/a/b"],
    ["/", "/"],
    ["//", "/"],
    ["/./", "/"],
    ["/a/...", "/a/..."],
    ["/a/.b/", "/a/.b"],
  ]) {
    it(`${path} → ${normal}`, () => assert.strictEqual(normalisePath(path as string), normal))
  }
})

describe("pathViolation names the rule", () => {
  const cases: ReadonlyArray<[string, string | undefined]> = [
    ["/var/backups/pg", undefined],
    ["/", undefined],
    ["/srv/data/", undefined],
    ["/var//x", undefined],
    ["/var/./x", undefined],
    ["/home/ünïcödé/日本語/٣", undefined],
    ["/srv/डेटा", undefined],
    ["/srv/தரவு/ข้อมูล", undefined],
    ["/srv/cafe\u0301", undefined], // NFD: a combining acute accent
    ["/srv/می\u200cخواهم", undefined], // ZWNJ, as Persian writes it
    ["/srv/क्\u200dष", undefined], // ZWJ
    ["/srv/x'y(z)[1]!&$^|<>+@%~:", undefined],
    ["/srv/😀/❤\ufe0f/👍🏽", undefined],
    ["/a.b_c-d+e@f%g~h:i", undefined],
    ["var/backups", "not an absolute path"],
    ["./var", "not an absolute path"],
    ["~/x", "not an absolute path"],
    ["/a b", "character ' ' is not allowed"],
    ["/a\tb", "character '\\t' is not allowed"],
    ["/a\nb", "character '\\n' is not allowed"],
    ["/a\rb", "character '\\r' is not allowed"],
    ["/a\u00a0b", "character '\\u00a0' is not allowed"],
    ["/a\u3000b", "character '\\u3000' is not allowed"],
    ["/a\u2028b", "character '\\u2028' is not allowed"],
    ["/a\u0000b", "character '\\u0000' is not allowed"],
    ["/a\u007fb", "character '\\u007f' is not allowed"],
    ["/a\u0085b", "character '\\u0085' is not allowed"],
    ["/a\u200bb", "character '\\u200b' is not allowed"],
    ["/a\u00adb", "character '\\u00ad' is not allowed"],
    ["/a\ufeffb", "character '\\ufeff' is not allowed"],
    ["/a\u202eb", "character '\\u202e' is not allowed"],
    ["/a\u2066b", "character '\\u2066' is not allowed"],
    ["/a\u3164b", "character '\\u3164' is not allowed"],
    ["/a\ud800b", "character '\\ud800' is not allowed"],
    ['/a"b', `character '"' is not allowed`],
    ["/a\\b", "character '\\' is not allowed"],
    ["/a#b", "character '#' is not allowed"],
    ["/a;b", "character ';' is not allowed"],
    ["/a=b", "character '=' is not allowed"],
    ["/a{b", "character '{' is not allowed"],
    ["/a}b", "character '}' is not allowed"],
    ["/a*", "wildcard '*' is not expanded"],
    ["/a?", "wildcard '?' is not expanded"],
    ["/a/../b", '".." segment'],
    ["/..", '".." segment'],
    ["/a//../b", '".." segment'],
    ["/a/..b/...", undefined],
    [`/${"a".repeat(maxPathBytes - 1)}`, undefined],
    [`/${"a".repeat(maxPathBytes - 1)}//`, undefined],
    [`/${"a".repeat(maxPathBytes)}`, `longer than ${maxPathBytes} bytes`],
    [`/${"é".repeat(2048)}`, `longer than ${maxPathBytes} bytes`],
  ]
  for (const [path, reason] of cases) {
    it(JSON.stringify(path.length > 40 ? `${path.slice(0, 40)}…` : path), () => {
      assert.strictEqual(pathViolation(path), reason)
    })
  }
})

describe("parseFileset", () => {
  it("reports the first offending entry as written", () => {
    const result = parseFileset("/ok,/bad path,also bad")
    assert.deepInclude(Result.isFailure(result) ? result.failure : {}, {
      _tag: "InvalidFileset",
      path: "/bad path",
    })
  })

  it("reports a missing fileset when nothing is left", () => {
    for (const raw of [undefined, "", ",", " , \t,\n"]) {
      const result = parseFileset(raw)
      assert.isTrue(Result.isFailure(result) && result.failure._tag === "MissingFileset")
    }
  })

  it("normalises, then drops repeats keeping the first", () => {
    assert.deepStrictEqual(Result.getOrThrow(parseFileset("/var//a/./b/, /c, /var/a/b, /c/")), [
      "/var/a/b",
      "/c",
    ])
  })

  // Paths from the whole range of Unicode, with the characters that matter made likely.
  const special = fc.constantFrom(
    ..."/ .\t\n\u00a0\u200b\u200c\u200d\u202e\ufeff\"#;={}\\*?'()".split(""),
    "..",
    "//",
  )
  const char = fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 3 }),
    fc.string({ unit: "binary", maxLength: 2 }),
    special,
  )
  const entry = fc.array(char, { maxLength: 12 }).map((parts) => `/${parts.join("")}`)

  it("for any entry: a normalised path, or a refusal that names what the path holds", () => {
    fc.assert(
      fc.property(entry, (raw) => {
        const path = raw.replaceAll(",", "").trim()
        const result = parseFileset(path)
        if (Result.isSuccess(result)) {
          const [accepted] = result.success
          assert.isDefined(accepted)
          assert.notMatch(accepted as string, /\/\/|\/\.(\/|$)|(.)\/$/)
          assert.deepStrictEqual(Result.getOrThrow(parseFileset(accepted)), [accepted])
          return
        }
        if (result.failure._tag !== "InvalidFileset") return
        const { reason } = result.failure
        const named = /^(?:character|wildcard) '(.+)' is (?:not allowed|not expanded)$/.exec(reason)?.[1]
        if (named !== undefined) {
          const char = named.startsWith("\\") && named.length > 1 ? JSON.parse(`"${named}"`) : named
          assert.include(path, char, reason)
        } else if (reason === '".." segment') assert.include(path.split("/"), "..")
        else assert.strictEqual(reason, `longer than ${maxPathBytes} bytes`)
      }),
      { seed: 20261201, numRuns: 5000 },
    )
  })
})
