import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import fc from "fast-check"
import { maxPathBytes, parseFileset, pathViolation, splitFileset } from "../../src/domain/fileset.ts"

/** What bacula-server can take unquoted, written independently of the implementation. */
const safeForDirector = (path: string): boolean =>
  path.startsWith("/") &&
  new TextEncoder().encode(path).length <= maxPathBytes &&
  path
    .slice(1)
    .split("/")
    .every(
      (segment, index, all) =>
        (segment !== "" || index === all.length - 1) &&
        segment !== "." &&
        segment !== ".." &&
        [...segment].every((char) => /[\p{L}\p{Nd}._\-+@%~:]/u.test(char)),
    )

describe("splitFileset", () => {
  it("splits on commas, trims, drops empties and repeats, keeping the first", () => {
    assert.deepStrictEqual(splitFileset(" /a ,, /b,/a,\t/c\n, "), ["/a", "/b", "/c"])
  })
})

describe("pathViolation names the rule", () => {
  const cases: ReadonlyArray<[string, string | undefined]> = [
    ["/var/backups/pg", undefined],
    ["/", undefined],
    ["/srv/data/", undefined],
    ["/home/ünïcödé/日本語/٣", undefined],
    ["/a.b_c-d+e@f%g~h:i", undefined],
    ["var/backups", "not an absolute path"],
    ["./var", "not an absolute path"],
    ["~/x", "not an absolute path"],
    ["/a b", "character ' ' is not allowed"],
    ["/a\nb", "character '\\n' is not allowed"],
    ["/a\u0000b", "character '\\u0000' is not allowed"],
    ['/a"b', `character '"' is not allowed`],
    ["/a'b", "character ''' is not allowed"],
    ["/a\\b", "character '\\' is not allowed"],
    ["/a{b}", "character '{' is not allowed"],
    ["/a#b", "character '#' is not allowed"],
    ["/a*", "character '*' is not allowed"],
    ["/a\u202eb", "character '\\u202e' is not allowed"],
    ["/a\u200bb", "character '\\u200b' is not allowed"],
    ["/a\u007fb", "character '\\u007f' is not allowed"],
    ["/a😀", "character '\\ud83d\\ude00' is not allowed"],
    ["/a//b", '"//" (empty segment)'],
    ["//a", '"//" (empty segment)'],
    ["/a/./b", '"." segment'],
    ["/a/.", '"." segment'],
    ["/a/../b", '".." segment'],
    ["/..", '".." segment'],
    ["/a/..b/...", undefined],
    ["/a//../b", '".." segment'],
    [`/${"a".repeat(maxPathBytes - 1)}`, undefined],
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
  it("reports the first offending path", () => {
    const result = parseFileset("/ok,/bad path,also bad")
    assert.isTrue(Result.isFailure(result))
    if (Result.isFailure(result)) {
      assert.deepInclude(result.failure, { _tag: "InvalidFileset", path: "/bad path" })
    }
  })

  it("reports a missing fileset when nothing is left", () => {
    for (const raw of [undefined, "", ",", " , \t,\n"]) {
      const result = parseFileset(raw)
      assert.isTrue(Result.isFailure(result) && result.failure._tag === "MissingFileset")
    }
  })

  const hostile = fc.constantFrom(
    ..."\u0000\n\r\t \"'{}#\\*?[],;$`|&<>()!\u202e\u200b\u2028\ufeffé日/.-_+@%~:".split(""),
    "..",
    "//",
    "/",
  )
  const pathish = fc.array(
    fc.oneof(hostile, fc.string({ maxLength: 6 }), fc.constantFrom("var", "backups")),
    {
      maxLength: 12,
    },
  )
  const fileset = fc.oneof(
    fc.string({ unit: "binary", maxLength: 200 }),
    fc
      .array(
        pathish.map((parts) => parts.join("")),
        { maxLength: 8 },
      )
      .map((paths) => paths.join(",")),
    fc
      .array(
        pathish.map((parts) => `/${parts.join("")}`),
        { maxLength: 8 },
      )
      .map((paths) => paths.join(" , ")),
  )

  it("for any input: paths that obey the allowlist, or a typed failure, never a throw", () => {
    fc.assert(
      fc.property(fileset, (raw) => {
        const result = parseFileset(raw)
        if (Result.isSuccess(result)) {
          assert.isAbove(result.success.length, 0)
          for (const path of result.success) assert.isTrue(safeForDirector(path), JSON.stringify(path))
          assert.strictEqual(new Set(result.success).size, result.success.length)
        } else {
          assert.include(["MissingFileset", "InvalidFileset"], result.failure._tag)
        }
      }),
      { seed: 20261124, numRuns: 5000 },
    )
  })

  it("accepts every path the allowlist allows", () => {
    const segment = fc
      .stringMatching(/^[\p{L}\p{Nd}._\-+@%~:]{1,12}$/u)
      .filter((s) => s !== "." && s !== "..")
    fc.assert(
      fc.property(
        fc.array(fc.array(segment, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }),
        (paths) => {
          const wanted = [...new Set(paths.map((segments) => `/${segments.join("/")}`))]
          const result = parseFileset(wanted.join(", "))
          assert.deepStrictEqual(Result.isSuccess(result) ? result.success : result.failure, wanted)
        },
      ),
      { seed: 20261124, numRuns: 2000 },
    )
  })
})
