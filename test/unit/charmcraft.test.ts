// charmcraft.yaml against charmcraft's JSON schema (a copy in test/fixtures), and the
// metadata the spec asks for.
import { readFileSync } from "node:fs"
import { Ajv } from "ajv"
import { assert, describe, it } from "vitest"
import { parse } from "yaml"
import { CharmConfigValues, scriptOptions } from "../../src/domain/options.ts"
import { documentationLink } from "../../src/domain/runbook.ts"

const charmcraft = parse(readFileSync("charmcraft.yaml", "utf8"))

describe("charmcraft.yaml", () => {
  it("is valid against charmcraft's schema", () => {
    const schema = JSON.parse(readFileSync("test/fixtures/charmcraft.schema.json", "utf8"))
    const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema)
    assert.isTrue(validate(charmcraft), JSON.stringify(validate.errors, null, 1))
  })

  it("links the documentation the alert rules' runbook annotations name", () => {
    assert.strictEqual(charmcraft.links.documentation, documentationLink)
  })

  it("declares the subordinate charm of the spec", () => {
    assert.strictEqual(charmcraft.name, "backup-integrator")
    assert.strictEqual(charmcraft.subordinate, true)
    assert.deepStrictEqual(charmcraft.requires, {
      backup: { interface: "backup" },
      "juju-info": { interface: "juju-info", scope: "container" },
    })
    assert.deepStrictEqual(charmcraft.provides, { "cos-agent": { interface: "cos_agent" } })
    assert.deepStrictEqual(Object.keys(charmcraft.platforms).sort(), [
      "ubuntu@22.04:amd64",
      "ubuntu@22.04:arm64",
      "ubuntu@24.04:amd64",
      "ubuntu@24.04:arm64",
    ])
  })

  it("builds with a plugin charmcraft supports, and ignores only the linter that misreads dispatch", () => {
    assert.strictEqual(charmcraft.parts.charm.plugin, "nil")
    assert.match(charmcraft.parts.charm["override-build"], /craft-bootstrap\.py/)
    assert.notMatch(charmcraft.parts.charm["override-build"], /craftctl default/)
    assert.deepStrictEqual(charmcraft.analysis, { ignore: { linters: ["entrypoint"] } })
    assert.notProperty(charmcraft, "base")
  })

  it("has the options the charm reads, with no defaults: the Python charm's five, script-timeout, backup-max-age, credentials, metrics-directory", () => {
    const options = charmcraft.config.options
    assert.deepStrictEqual(Object.keys(options), Object.keys(CharmConfigValues.fields))
    assert.deepStrictEqual(Object.keys(options), [
      "fileset",
      ...scriptOptions,
      "script-timeout",
      "backup-max-age",
      "credentials",
      "metrics-directory",
    ])
    for (const [name, option] of Object.entries<Record<string, unknown>>(options)) {
      assert.strictEqual(option.type, name === "credentials" ? "secret" : "string", name)
      assert.notProperty(option, "default")
    }
  })

  it("declares the actions the program runs: run-script of one of the scripts, show-runs and show-backups", () => {
    assert.deepStrictEqual(Object.keys(charmcraft.actions), ["run-script", "show-runs", "show-backups"])
    assert.deepStrictEqual(charmcraft.actions["run-script"].params.name.enum, [...scriptOptions])
    assert.deepStrictEqual(charmcraft.actions["run-script"].required, ["name"])
    assert.deepStrictEqual(charmcraft.actions["show-runs"].params, undefined)
  })
})
