// The fileset rule against its real consumer: each published path rendered as bacula-server
// renders it (unquoted, `File = <path>`) and read back by Bacula's own parser. Every path the
// charm accepts must come back exactly; what it refuses, Bacula would misread or the operator
// could not see.
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import fc from "fast-check"
import { parseFileset } from "../../src/domain/fileset.ts"
import {
  baculaParserMissing,
  directorConfig,
  readBackFileset,
  readDirectorConfig,
} from "../support/bacula-parser.ts"

const needParser = () => assert.isUndefined(baculaParserMissing, baculaParserMissing)
const accepted = (raw: string) => Result.getOrThrow(parseFileset(raw))

describe("Bacula's parser reads back every accepted path exactly", () => {
  it("paths drawn from the whole Unicode range", () => {
    needParser()
    const special = fc.constantFrom(..."/.'()[]!&$^|<>+@%~:-_\u200c\u200d\u0301\ufe0f".split(""), "..", "//")
    const piece = fc.oneof(
      fc.string({ unit: "binary", maxLength: 4 }),
      fc.string({ unit: "grapheme", maxLength: 4 }),
      special,
    )
    const path = fc
      .array(piece, { minLength: 1, maxLength: 10 })
      .map((parts) => `/${parts.join("").replaceAll(",", "")}`)
    fc.assert(
      fc.property(fc.array(path, { minLength: 1, maxLength: 40 }), (paths) => {
        const published = paths.flatMap((entry) => {
          const result = parseFileset(entry)
          return Result.isSuccess(result) ? result.success : []
        })
        const unique = [...new Set(published)]
        if (unique.length === 0) return
        const reading = readBackFileset(unique)
        assert.deepStrictEqual(reading, { filesets: { tenant: unique } })
      }),
      { seed: 20261201, numRuns: 150 },
    )
  })

  it("real-world names in many scripts", () => {
    needParser()
    const names = [
      "/srv/डेटा/बैकअप", // Hindi
      "/srv/தரவு", // Tamil
      "/srv/ข้อมูล", // Thai
      "/srv/البيانات", // Arabic
      "/srv/می\u200cخواهم", // Persian, with ZWNJ
      "/srv/נתונים", // Hebrew
      "/srv/数据/バックアップ/자료", // Chinese, Japanese, Korean
      "/srv/данные/δεδομένα", // Cyrillic, Greek
      "/srv/cafe\u0301/Ångström", // NFD and NFC
      "/srv/क्\u200dष", // ZWJ
      "/srv/📦/👨\u200d👩\u200d👧/🇧🇷/❤\ufe0f", // emoji, ZWJ sequence, flag, variation selector
      "/var/lib/x'y(z)[1]!&$^|<>+@%~:",
      "/home/o'brien/My-Files_(2024)",
    ]
    const published = accepted(names.join(", "))
    assert.deepStrictEqual(published, names)
    assert.deepStrictEqual(readBackFileset(published), { filesets: { tenant: names } })
  })

  it("wildcards and invisible characters: read literally, refused for what the operator would expect or see", () => {
    needParser()
    for (const path of ["/srv/*.sql", "/srv/dump?", "/srv/a\u200bb", "/srv/\u202etxt.exe", "/srv/a\u00adb"]) {
      assert.isTrue(Result.isFailure(parseFileset(path)), path)
      assert.deepStrictEqual(readBackFileset([path]), { filesets: { tenant: [path] } }, path)
    }
  })
})

describe("what the charm refuses, Bacula's parser misreads", () => {
  const hostile: ReadonlyArray<[string, string]> = [
    [
      "a newline that opens a resource of the operator's choosing",
      "/etc/x\n  }\n}\nFileSet {\n  Name = evil\n  Include {\n    File = /root",
    ],
    ["a closing brace that ends the Include", "/etc/x}"],
    ["an opening brace", "/etc/{x"],
    ["a comment sign", "/srv/x#y"],
    ["a semicolon, which ends the directive", "/srv/a;File = /root"],
    ["an equals sign", "/srv/a=b"],
    // Bacula 9.6 reads a lone quote among name characters as written, but a quote opens a
    // quoted string: what follows is read another way, and an unclosed one aborts the Director.
    ["a quote that opens a quoted string", '/srv/a" b"'],
    ["a backslash escape", "/srv/a\\tb"],
    ["a space", "/srv/My Files"],
    ["a tab", "/srv/a\tb"],
  ]
  for (const [what, path] of hostile) {
    it(what, () => {
      needParser()
      assert.isTrue(Result.isFailure(parseFileset(path)), "the charm accepted it")
      const reading = readDirectorConfig(directorConfig([path]))
      assert.notDeepEqual(reading, { filesets: { tenant: [path] } }, "Bacula read it as written")
    })
  }

  it("the injection, published raw, would give the Director a fileset of the attacker's", () => {
    needParser()
    const reading = readBackFileset([
      "/etc/x\n  }\n}\nFileSet {\n  Name = evil\n  Include {\n    File = /root",
    ])
    assert.deepStrictEqual(reading, { filesets: { tenant: ["/etc/x"], evil: ["/root"] } })
  })
})
