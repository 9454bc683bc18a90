// The `cos-agent` relation: the unit databag in the interface's exact form (its schema; the
// dashboard's encoding is checked with Python in test/integration/xz.test.ts), written only on
// the events that can change it and only when it differs.
import { readFileSync } from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import { Ajv } from "ajv"
import { Effect } from "effect"
import { alertRules } from "../../src/domain/alert-rules.ts"
import { cosAgentConfig } from "../../src/domain/cos-agent-data.ts"
import { documentationLink, runbookOf } from "../../src/domain/runbook.ts"
import { model } from "../support/fake-juju.ts"
import { runEvent } from "../support/run-program.ts"

const topology = {
  model: "test",
  modelUuid: "2a2fb8a6-7a2c-4e8e-8f4e-0d3f1c2b9e11",
  application: "backup-integrator",
}
const schema = JSON.parse(readFileSync("test/fixtures/cos-agent-provider.schema.json", "utf8"))
const ajv = new Ajv({ strict: false, allErrors: true })

describe("the cos-agent databag", () => {
  it("validates against the interface's schema: every required field, JSON in the `config` key", () => {
    const bag = { config: cosAgentConfig(topology) }
    assert.isTrue(ajv.validate(schema, bag), ajv.errorsText())
    assert.isTrue(ajv.validate(schema.configSchema, JSON.parse(bag.config)), ajv.errorsText())
    // And the schema can fail: a field missing, a job without a name.
    const { log_slots: _, ...missing } = JSON.parse(bag.config)
    assert.isFalse(ajv.validate(schema.configSchema, missing))
    assert.isFalse(
      ajv.validate(schema.configSchema, { ...missing, log_slots: [], metrics_scrape_jobs: [{}] }),
    )
  })

  it("labels each rule with the unit's topology, as the library's provider does, keeping its own labels", () => {
    const { metrics_alert_rules } = JSON.parse(cosAgentConfig(topology))
    const [group] = metrics_alert_rules.groups
    assert.strictEqual(group.name, "test_2a2fb8a6_backup-integrator_backup-integrator_alerts")
    assert.lengthOf(group.rules, (alertRules.groups[0]?.rules ?? []).length)
    for (const rule of group.rules) {
      assert.include(rule.labels, {
        juju_model: "test",
        juju_model_uuid: topology.modelUuid,
        juju_application: "backup-integrator",
        juju_charm: "backup-integrator",
      })
      assert.property(rule.labels, "severity")
    }
  })

  it("asks the agent to scrape the node exporter for this application's series only", () => {
    const { metrics_scrape_jobs } = JSON.parse(cosAgentConfig({ ...topology, application: "db-backup" }))
    assert.deepStrictEqual(metrics_scrape_jobs, [
      {
        job_name: "db-backup_backup_metrics",
        metrics_path: "/metrics",
        static_configs: [{ targets: ["localhost:9100"] }],
        metric_relabel_configs: [
          {
            source_labels: ["__name__", "application"],
            regex: "backup_integrator_.+;db-backup",
            action: "keep",
          },
        ],
      },
    ])
  })

  it("each rule's text names units through the agent's labels alone and points to its runbook entry", () => {
    const { metrics_alert_rules } = JSON.parse(cosAgentConfig(topology))
    for (const rule of metrics_alert_rules.groups[0].rules) {
      assert.strictEqual(rule.annotations.runbook, runbookOf(rule.alert))
      assert.include(rule.annotations.runbook, documentationLink)
      for (const text of Object.values<string>(rule.annotations)) {
        // `script` is pinned by the expressions to the four options; nothing else of a file's.
        const used = [...text.matchAll(/\$labels\.(\w+)/g)].map((match) => match[1])
        for (const label of used)
          assert.include(["juju_unit", "juju_application", "script"], label, rule.alert)
      }
    }
  })
})

describe("publishing it", () => {
  it.effect(
    "on cos-agent-relation-joined: this unit's bag, written once; the same again writes nothing",
    () =>
      Effect.gen(function* () {
        const first = yield* runEvent(
          model({
            event: "cos-agent-relation-joined",
            relationId: "cos-agent:7",
            cosAgent: { "cos-agent:7": {} },
          }),
        )
        assert.deepStrictEqual(first.model.cosAgent, { "cos-agent:7": { config: cosAgentConfig(topology) } })
        assert.strictEqual(first.model.calls.filter((call) => call === "relation-set").length, 1)
        const again = yield* runEvent({ ...first.model, event: "cos-agent-relation-changed", calls: [] })
        assert.deepStrictEqual(again.model.cosAgent, first.model.cosAgent)
        assert.notInclude(again.model.calls, "relation-set")
      }),
  )

  it.effect("a bad configuration does not keep the rules from COS", () =>
    Effect.gen(function* () {
      const { model: after } = yield* runEvent(
        model({
          event: "upgrade-charm",
          config: { fileset: "relative" },
          cosAgent: { "cos-agent:3": { config: "{}" } },
        }),
      )
      assert.strictEqual(after.status?.status, "blocked")
      assert.deepStrictEqual(after.cosAgent, { "cos-agent:3": { config: cosAgentConfig(topology) } })
    }),
  )

  it.effect("config-changed does not look at it: the same hook-tool calls as without the relation", () =>
    Effect.gen(function* () {
      const steady = model({ config: { fileset: "/srv" }, relations: { "backup:1": {} } })
      // Both after a first hook: a steady hook sets no status, with the relation or without.
      yield* runEvent(steady)
      const without = yield* runEvent(steady)
      const { model: after } = yield* runEvent({ ...steady, cosAgent: { "cos-agent:3": {} } })
      assert.deepStrictEqual(after.cosAgent, { "cos-agent:3": {} })
      assert.deepStrictEqual(after.calls, without.model.calls)
    }),
  )
})
