import { alertRules, scrapeJobSuffix } from "./alert-rules.ts"
import { dashboard } from "./dashboard.ts"
import { xzStored } from "./xz.ts"

/**
 * What this charm hands COS's agent (grafana-agent or opentelemetry-collector) over the
 * `cos-agent` relation: the unit databag's one key, `config`, as the cos_agent library's
 * provider writes it (grafana-agent-operator lib/charms/grafana_agent/v0/cos_agent.py,
 * CosAgentProviderUnitData; charm-relation-interfaces interfaces/cos_agent/v0/schema.py).
 */
export const cosAgentKey = "config"

/** The charm's name in charmcraft.yaml: COS labels rules with it (`juju_charm`). */
const charmName = "backup-integrator"

/** Where node exporters listen (Debian's prometheus-node-exporter, and the node-exporter snap). */
export const nodeExporterTarget = "localhost:9100"

export interface Topology {
  readonly model: string
  readonly modelUuid: string
  readonly application: string
}

/**
 * The scrape job the agent runs for this unit, stamping its series with the unit's topology:
 * the node exporter that reads the runner's textfile, keeping only this application's series
 * (the exporter serves every application's file on the machine, and the agent scrapes the
 * machine's own metrics already), so two applications on one machine never see each other's.
 * Both agents pass the job to their scraper as it is, `metric_relabel_configs` included
 * (grafana-agent-operator src/grafana_agent.py `scrape_configs: self.metrics_jobs()`;
 * opentelemetry-collector-operator src/charm.py, the `prometheus/cos-agent` receiver).
 * Rules labelled with this application see these series; without an exporter there, `up` is
 * 0 and BackupIntegratorMetricsMissing says so. Application names need no regex escaping
 * (Juju allows `[a-z0-9-]`), and the regex has no `$` (the collector would double it).
 */
const scrapeJob = (application: string) => ({
  job_name: `${application}${scrapeJobSuffix}`,
  metrics_path: "/metrics",
  static_configs: [{ targets: [nodeExporterTarget] }],
  metric_relabel_configs: [
    {
      source_labels: ["__name__", "application"],
      regex: `backup_integrator_.+;${application}`,
      action: "keep",
    },
  ],
})

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64")

/**
 * The `config` value: every field the library's model requires, the rules labelled with this
 * application's topology (as the library's provider labels them), the dashboard as base64 of
 * an XZ container of its JSON. No tracing (the charm has no traces) and no log slot (no snap).
 */
export const cosAgentConfig = ({ model, modelUuid, application }: Topology): string => {
  const topology = {
    juju_model: model,
    juju_model_uuid: modelUuid,
    juju_application: application,
    juju_charm: charmName,
  }
  const identifier = `${model}_${modelUuid.slice(0, 8)}_${application}`
  return JSON.stringify({
    metrics_alert_rules: {
      groups: alertRules.groups.map((group) => ({
        name: `${identifier}_${group.name}_alerts`,
        rules: group.rules.map((rule) => ({ ...rule, labels: { ...topology, ...rule.labels } })),
      })),
    },
    log_alert_rules: {},
    dashboards: [base64(xzStored(new TextEncoder().encode(JSON.stringify(dashboard))))],
    metrics_scrape_jobs: [scrapeJob(application)],
    log_slots: [],
  })
}
