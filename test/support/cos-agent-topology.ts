// What COS does to the rules and the scrape job the charm hands over `cos-agent`, reproduced
// for tests that evaluate them in a real Prometheus (test/support/prometheus.ts).
import { parser } from "@prometheus-io/lezer-promql"
import type { AlertRule, AlertRuleGroup } from "../../src/domain/alert-rules.ts"
import type { Topology } from "../../src/domain/cos-agent-data.ts"

/** One unit of the charm as the agent beside it sees it. */
export interface UnitTopology extends Topology {
  readonly unit: string
}

/**
 * cos-tool's `transform` as cos-lib calls it (cos-lib src/cosl/rules.py `_from_dict`, @d8a21d21
 * L446–468: the rule's `juju_model`, `juju_model_uuid` and `juju_application` labels as
 * matchers; canonical/cos-tool pkg/tool/promql_transform.go @9f92efc `injectLabelMatcher`):
 * every vector selector, bare or in a range, gets `name="value"` for each name it does not
 * match on already. Parsed with Prometheus' own PromQL grammar.
 */
export const injectMatchers = (expr: string, matchers: Readonly<Record<string, string>>): string => {
  const edits: Array<{ at: number; text: string }> = []
  const tree = parser.parse(expr)
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) throw new Error(`not PromQL at ${node.from}: ${expr}`)
      if (node.name !== "VectorSelector") return
      const braces = node.node.getChild("LabelMatchers")
      const present = new Set<string>()
      if (braces !== null) {
        for (const matcher of braces.getChildren("UnquotedLabelMatcher")) {
          const name = matcher.getChild("LabelName")
          if (name !== null) present.add(expr.slice(name.from, name.to))
        }
      }
      const added = Object.entries(matchers)
        .filter(([name]) => !present.has(name))
        .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
      if (added.length === 0) return
      if (braces === null) edits.push({ at: node.to, text: `{${added.join(",")}}` })
      else {
        const inside = expr.slice(braces.from + 1, braces.to - 1).trim()
        edits.push({ at: braces.to - 1, text: `${inside === "" ? "" : ","}${added.join(",")}` })
      }
    },
  })
  return edits
    .sort((a, b) => b.at - a.at)
    .reduce((text, { at, text: insert }) => `${text.slice(0, at)}${insert}${text.slice(at)}`, expr)
}

type Rules = { readonly groups: ReadonlyArray<AlertRuleGroup> }

/** The rules of a `cos-agent` databag's `config` (the charm's, for `topology`), injected as COS does. */
export const rulesInCos = (config: string, topology: Topology): Rules => {
  const handed: Rules = JSON.parse(config).metrics_alert_rules
  return {
    groups: handed.groups.map((group) => ({
      ...group,
      rules: group.rules.map((rule) => ({
        ...rule,
        expr: injectMatchers(rule.expr, {
          juju_model: topology.model,
          juju_model_uuid: topology.modelUuid,
          juju_application: topology.application,
        }),
      })),
    })),
  }
}

/** A copy of `rules` with `alert`'s `for` replaced: the only change a test may make to them. */
export const withFor = (rules: Rules, alert: string, duration: string): Rules => ({
  groups: rules.groups.map((group) => ({
    ...group,
    rules: group.rules.map((rule): AlertRule => (rule.alert === alert ? { ...rule, for: duration } : rule)),
  })),
})

/**
 * The scrape jobs of a `cos-agent` databag's `config` as the agent runs them for one unit: each static config labelled with
 * the unit's topology, `juju_unit` included (grafana-agent-operator
 * lib/charms/grafana_agent/v0/cos_agent.py @de1252e7 `metrics_jobs`, L1285–1322, the same
 * library in opentelemetry-collector-operator), the rest passed on as it is. `target` stands
 * for `localhost:9100`, the port a test's exporter listens on.
 */
export const agentScrapeJobs = (
  config: string,
  unit: UnitTopology,
  target: string,
): ReadonlyArray<Record<string, unknown>> => {
  const jobs: ReadonlyArray<Record<string, unknown>> = JSON.parse(config).metrics_scrape_jobs
  return jobs.map((job) => ({
    ...job,
    static_configs: (job.static_configs as ReadonlyArray<{ targets: ReadonlyArray<string> }>).map(
      (config) => ({
        ...config,
        targets: config.targets.map(() => target),
        labels: {
          juju_model: unit.model,
          juju_model_uuid: unit.modelUuid,
          juju_application: unit.application,
          juju_unit: unit.unit,
        },
      }),
    ),
  }))
}

/**
 * The jobs of several agents in one Prometheus: one agent per unit remote-writes the same
 * series as one scraper with a static config per unit, so the jobs of one name are merged.
 */
export const mergedJobs = (
  jobs: ReadonlyArray<Record<string, unknown>>,
): ReadonlyArray<Record<string, unknown>> => {
  const byName = new Map<string, Record<string, unknown>>()
  for (const job of jobs) {
    const name = job.job_name as string
    const known = byName.get(name)
    if (known === undefined) byName.set(name, { ...job })
    else
      known.static_configs = [
        ...(known.static_configs as ReadonlyArray<unknown>),
        ...(job.static_configs as ReadonlyArray<unknown>),
      ]
  }
  return [...byName.values()]
}
