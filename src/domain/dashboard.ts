/**
 * The Grafana dashboard sent over `cos-agent` (src/domain/cos-agent-data.ts): one row per
 * unit of the backups it sees, over the runner's metrics. `${prometheusds}` is the Prometheus
 * data source variable COS's Grafana fills in, as its own dashboards use it.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable, not a template literal.
const datasource = { type: "prometheus", uid: "${prometheusds}" }

const panel = (
  id: number,
  title: string,
  type: "table" | "timeseries" | "stat",
  expr: string,
  gridPos: { x: number; y: number; w: number; h: number },
  unit: string,
  legend = "{{juju_unit}}",
) => ({
  id,
  title,
  type,
  datasource,
  gridPos,
  fieldConfig: { defaults: { unit }, overrides: [] },
  targets: [{ refId: "A", datasource, expr, legendFormat: legend, instant: type !== "timeseries" }],
})

export const dashboard = {
  title: "Backup Integrator",
  uid: "backup-integrator",
  tags: ["backup", "bacula"],
  schemaVersion: 39,
  version: 1,
  editable: true,
  time: { from: "now-7d", to: "now" },
  templating: {
    list: [{ name: "prometheusds", label: "Prometheus", type: "datasource", query: "prometheus" }],
  },
  panels: [
    panel(
      1,
      "Time since the last successful backup",
      "stat",
      'time() - (backup_integrator_last_success_timestamp_seconds{kind="backup"} > 0)',
      { x: 0, y: 0, w: 12, h: 6 },
      "s",
    ),
    panel(
      2,
      "Time left before a backup is overdue",
      "stat",
      "backup_integrator_backup_deadline_timestamp_seconds - time()",
      { x: 12, y: 0, w: 12, h: 6 },
      "s",
    ),
    panel(
      3,
      "Jobs by outcome (per day)",
      "timeseries",
      "sum by (juju_unit, kind, outcome) (increase(backup_integrator_jobs_total[1d]))",
      { x: 0, y: 6, w: 12, h: 8 },
      "short",
      "{{juju_unit}} {{kind}} {{outcome}}",
    ),
    panel(
      4,
      "Last job duration",
      "timeseries",
      "backup_integrator_last_duration_seconds",
      { x: 12, y: 6, w: 12, h: 8 },
      "s",
      "{{juju_unit}} {{kind}}",
    ),
    panel(
      5,
      "Scripts: last exit status (124: timed out)",
      "table",
      "backup_integrator_script_last_exit_status",
      { x: 0, y: 14, w: 24, h: 8 },
      "none",
      "{{juju_unit}} {{script}}",
    ),
  ],
}
