// The runbook: every alert rule the charm ships has its entry in the how-to, in the rules'
// order, each with the five parts an on-call reads; and each rule's `runbook` annotation
// names that entry in words that need no copy of the repository.
import { readFileSync } from "node:fs"
import { assert, describe, it } from "vitest"
import { parse } from "yaml"
import { alertRules } from "../../src/domain/alert-rules.ts"
import { documentationLink, runbookOf, runbookPage, runbookSection } from "../../src/domain/runbook.ts"
import { sectionUnder } from "../support/markdown.ts"

const howTo = readFileSync("docs/how-to.md", "utf8")
const charmcraft = parse(readFileSync("charmcraft.yaml", "utf8"))
const rules = alertRules.groups.flatMap((group) => group.rules)
const parts = ["What it means", "First command", "Script or Bacula?", "What clears it", "Silence it safely"]

/** The entries of the runbook section: each `###` title with the text under it. */
const entries = (): Array<{ title: string; text: string }> =>
  sectionUnder(howTo, runbookSection)
    .split(/^### /m)
    .slice(1)
    .map((entry) => {
      const [title = "", ...text] = entry.split("\n")
      return { title: title.trim(), text: text.join("\n") }
    })

describe("the runbook", () => {
  it("has one entry per alert rule, titled with its name, in the rules' order", () => {
    assert.deepStrictEqual(
      entries().map(({ title }) => title),
      rules.map(({ alert }) => alert),
    )
  })

  for (const { alert } of rules)
    it(`${alert}: its entry has the five parts, in order, each with its text`, () => {
      const text = entries().find(({ title }) => title === alert)?.text ?? ""
      const found = parts.map((part) => text.indexOf(`**${part}**`))
      assert.deepStrictEqual(
        parts.filter((_, i) => found[i] === -1),
        [],
        "missing parts",
      )
      assert.deepStrictEqual(
        found,
        [...found].sort((a, b) => a - b),
        "in order",
      )
      for (const part of parts)
        assert.match(text, new RegExp(`\\*\\*${part.replace("?", "\\?")}\\*\\*:? \\S`), part)
    })

  it("each rule's runbook annotation names the entry: the documentation link of charmcraft.yaml, the page, the section and the rule", () => {
    assert.strictEqual(charmcraft.links?.documentation, documentationLink)
    assert.match(howTo, new RegExp(`^# ${runbookPage}$`, "m"))
    for (const { alert, annotations } of rules) {
      assert.strictEqual(annotations.runbook, runbookOf(alert))
      for (const words of [documentationLink, runbookPage, runbookSection, alert])
        assert.include(annotations.runbook, words)
    }
  })

  it("no annotation points into the repository", () => {
    const pointing = rules.flatMap(({ alert, annotations }) =>
      Object.entries(annotations)
        .filter(([, text]) => /\b(docs|src|test)\/|\.(md|ts|py)\b/.test(text))
        .map(([key, text]) => `${alert} ${key}: ${text}`),
    )
    assert.deepStrictEqual(pointing, [])
  })
})
