// The docs against each other and against the code: every relative link and anchor leads
// somewhere; every option and action of charmcraft.yaml is in README and the reference; and
// every status the code can show is in the reference's status table, which names no other.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, normalize } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { parse } from "yaml"
import { ReconcileStop } from "../../src/domain/failures.ts"
import { RunRecord } from "../../src/domain/run-record.ts"
import { active, shownStatus, statusOf, type UnitStatus } from "../../src/domain/unit-status.ts"
import { codeSpans, headingAnchors, linkTargets, sectionUnder, tableUnder } from "../support/markdown.ts"
import { members, sample } from "../support/schema-samples.ts"

const docs = [
  "README.md",
  "CONTRIBUTING.md",
  "CHANGELOG.md",
  ...readdirSync("docs")
    .filter((name) => name.endsWith(".md"))
    .map((name) => join("docs", name)),
]
const read = (file: string) => readFileSync(file, "utf8")
const readme = read("README.md")
const reference = read("docs/reference.md")
const charmcraft = parse(read("charmcraft.yaml"))
const options = Object.keys(charmcraft.config.options)
const actions = Object.keys(charmcraft.actions)

/** The first column of a table: the names it has a row for. */
const namesIn = (rows: Array<Array<string>>) => rows.flatMap(([first]) => codeSpans(first ?? ""))

describe("links", () => {
  for (const file of docs) {
    it(`${file}: every relative link leads to a file, and every anchor to a heading of it`, () => {
      const broken = linkTargets(read(file))
        .filter((target) => !/^[a-z][a-z+.-]*:/i.test(target))
        .filter((target) => {
          const [path = "", anchor] = target.split("#")
          const into = path === "" ? file : normalize(join(dirname(file), decodeURIComponent(path)))
          if (!existsSync(into)) return true
          if (anchor === undefined) return false
          return (
            !into.endsWith(".md") || statSync(into).isDirectory() || !headingAnchors(read(into)).has(anchor)
          )
        })
      assert.deepStrictEqual(broken, [])
    })
  }

  it("README maps the docs: each of docs/, CONTRIBUTING.md and CHANGELOG.md is linked from it", () => {
    const linked = new Set(linkTargets(readme).map((target) => target.split("#")[0]))
    assert.deepStrictEqual(
      docs.filter((file) => file !== "README.md" && !linked.has(file)),
      [],
    )
  })
})

describe("options and actions", () => {
  it("each option of charmcraft.yaml has a row in README's and the reference's option tables, and no other", () => {
    assert.deepStrictEqual(namesIn(tableUnder(readme, "Configure")), options)
    assert.deepStrictEqual(namesIn(tableUnder(reference, "Configuration options")), options)
  })

  it("each action of charmcraft.yaml is in README's actions and has a row in the reference's, and no other", () => {
    const inReadme = sectionUnder(readme, "Actions")
    assert.deepStrictEqual(
      actions.filter((action) => !inReadme.includes(`\`${action}\``)),
      [],
    )
    assert.deepStrictEqual(namesIn(tableUnder(reference, "Actions")), actions)
  })
})

/**
 * A message of a status table as a pattern: `<…>` stands for any value, `[…]` for a part
 * shown only sometimes; the rest is literal.
 */
const pattern = (message: string): RegExp =>
  new RegExp(
    `^${message
      .split(/(<[^<>]+>|\[|\])/)
      .map((part) => {
        if (part === "[") return "(?:"
        if (part === "]") return ")?"
        if (/^<[^<>]+>$/.test(part)) return "[^]*"
        return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      })
      .join("")}$`,
  )

/**
 * A message of a status table in each of its forms: every `[…]` part shown, or left out
 * (`a[, b]` gives `a` and `a, b`).
 */
const variants = (message: string): Array<string> => {
  const optional = /\[([^[\]]*)\]/.exec(message)
  if (optional === null) return [message]
  const [whole, inner] = optional as unknown as [string, string]
  const before = message.slice(0, optional.index)
  const after = message.slice(optional.index + whole.length)
  return [...variants(`${before}${after}`), ...variants(`${before}${inner}${after}`)]
}

/** The rows of a status table that name a message: status and the message's pattern. */
const statusRows = (rows: Array<Array<string>>, statusColumn = 0, messageColumn = 1) =>
  rows.flatMap((row) => {
    const [message] = codeSpans(row[messageColumn] ?? "")
    const status = (row[statusColumn] ?? "").replace(/\*/g, "")
    return message === undefined || !["blocked", "waiting"].includes(status)
      ? []
      : [{ status, message, pattern: pattern(message) }]
  })

/**
 * What the code can show but active, and what it came from: `statusOf` of each way
 * reconcile stops, and the failed runs `shownStatus` puts above an active status, one at a
 * time and several.
 */
const shownByTheCode = (): Array<UnitStatus & { readonly from: string }> => {
  const stops = members(ReconcileStop).flatMap((failure) =>
    sample(failure, 20).map((stop) => ({
      ...statusOf(stop as ReconcileStop),
      from: (stop as ReconcileStop)._tag,
    })),
  )
  const records = sample(RunRecord, 300)
  const noCheck = { lastBackup: null, unanswered: [], maxAge: null, checkSince: null, now: 0 }
  const runs = records.flatMap((record, i) => [
    { ...shownStatus(active, [record], noCheck), from: "a failed run" },
    { ...shownStatus(active, records.slice(i, i + 3), noCheck), from: "failed runs" },
    {
      ...shownStatus(active, [], {
        ...noCheck,
        maxAge: 1 + i,
        checkSince: "2026-12-01T01:00:00.000Z",
        now: Date.parse("2026-12-01T01:00:00.000Z") + (1 + i) * 1000,
      }),
      from: "backup-max-age passed",
    },
    {
      ...shownStatus(active, [], {
        ...noCheck,
        unanswered: [
          { kind: i % 2 ? "backup" : "restore", started: record.started, due: "2026-12-01T02:00:00.000Z" },
        ],
        now: Date.parse("2026-12-01T02:00:00.000Z") + i * 1000,
      }),
      from: "a job with no result",
    },
  ])
  return [...stops, ...runs].filter(({ status }) => status !== "active")
}

describe("statuses", () => {
  const rows = statusRows(tableUnder(reference, "Statuses"))
  const shown = shownByTheCode()

  it("each status the code shows matches a row of the reference's status table", () => {
    const missing = shown.filter(
      ({ status, message }) => !rows.some((row) => row.status === status && row.pattern.test(message)),
    )
    // One sample of each source: what the table lacks, not every sample of it.
    const bySource = new Map(missing.map(({ from, status, message }) => [from, `${status}: ${message}`]))
    assert.deepStrictEqual(Object.fromEntries(bySource), {})
  })

  it("each row of the reference's status table is a status the code shows", () => {
    const never = rows.filter(
      (row) => !shown.some(({ status, message }) => row.status === status && row.pattern.test(message)),
    )
    assert.deepStrictEqual(
      never.map(({ message }) => message),
      [],
    )
  })

  /** README's and the how-to's status rows: each message as written, `[…]` parts kept. */
  const readmeRows = statusRows(tableUnder(readme, "Statuses"))
  const howToRows = tableUnder(read("docs/how-to.md"), "Read and fix each status").flatMap((row) => {
    const [shownAs] = codeSpans(row[0] ?? "")
    const [, status, message] = /^(\w+): (.*)$/.exec(shownAs ?? "") ?? []
    return status === undefined || message === undefined ? [] : [{ status, message }]
  })

  it("README's and the how-to's status tables name statuses of the reference", () => {
    const unknown = [...readmeRows, ...howToRows].filter(({ status, message }) =>
      variants(message).some((text) => !rows.some((row) => row.status === status && row.pattern.test(text))),
    )
    assert.deepStrictEqual(unknown, [])
  })

  for (const [table, tableRows] of [
    ["README's", readmeRows],
    ["the how-to's", howToRows],
  ] as const)
    it(`${table} status table has a row for every status of the reference, each \`[…]\` part with and without`, () => {
      const missing = rows.flatMap((row) =>
        variants(row.message)
          .filter(
            (variant) =>
              !tableRows.some(
                (shown) =>
                  shown.status === row.status &&
                  variants(shown.message).some((text) => pattern(variant).test(text)),
              ),
          )
          .map((variant) => `${row.status}: ${variant}`),
      )
      assert.deepStrictEqual(missing, [])
    })
})
