import { runbookOf } from "./runbook.ts"

/**
 * The alert rules the charm hands to COS over `cos-agent` (src/domain/cos-agent-data.ts), in
 * Prometheus' rule-file form, over the metrics the runner writes (src/runner/metrics.py) as
 * the charm's own scrape job brings them in. The expressions name no `juju_model`,
 * `juju_model_uuid` or `juju_application` matcher: COS injects them from the rules' labels
 * (cos-lib `src/cosl/rules.py`, `_from_dict`), scoping each rule to this application's series.
 * test/integration/alert-rules.test.ts runs them through Debian's `promtool test rules`, and
 * test/e2e/signals.test.ts through a real Prometheus over what the packed charm wrote.
 *
 * Whoever can listen on the node exporter's port can serve any series (docs/security.md): so
 * every rule keeps of a series only the labels the agent stamps on the scrape (`juju_*`) and
 * labels whose values the expression itself pins, and the text names a unit only through
 * `juju_unit`, never through a label of the file.
 */
export interface AlertRule {
  readonly alert: string
  readonly expr: string
  readonly for: string
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: {
    readonly summary: string
    readonly description: string
    /** Where the on-call's entry for this rule is, in words (docs/how-to.md, "Respond to an alert"). */
    readonly runbook: string
  }
}

export interface AlertRuleGroup<Rule = AlertRule> {
  readonly name: string
  readonly rules: ReadonlyArray<Rule>
}

/** A rule as written below: its `runbook` comes from its name (`withRunbook`). */
type WrittenRule = Omit<AlertRule, "annotations"> & {
  readonly annotations: Omit<AlertRule["annotations"], "runbook">
}

/** The rule with its runbook entry named, so that no rule ships without one. */
const withRunbook = (rule: WrittenRule): AlertRule => ({
  ...rule,
  annotations: { ...rule.annotations, runbook: runbookOf(rule.alert) },
})

/** The labels COS's agent stamps on every series of the charm's scrape job: one unit's identity. */
const agentLabels = ["juju_model", "juju_model_uuid", "juju_application", "juju_unit"]

/**
 * A selector's series with only the agent's labels and `pinned` (labels whose values the
 * selector fixes): whatever else a served file adds never reaches an alert.
 */
const perUnit = (selector: string, pinned: ReadonlyArray<string> = []) =>
  `max by (${[...agentLabels, ...pinned].join(", ")}) (${selector})`

/** The unit, from the agent's label; something true when a scrape carries none. */
const unit = "{{ with $labels.juju_unit }}{{ . }}{{ else }}a unit of {{ $labels.juju_application }}{{ end }}"

/** The command to run on the unit, or on each unit when the alert does not say which. */
const onUnit = (action: string) =>
  `{{ with $labels.juju_unit }}\`juju run {{ . }} ${action}\`{{ else }}\`juju run <unit> ${action}\` on each unit of {{ $labels.juju_application }}{{ end }}`

const scripts = "run-before-backup|run-after-backup|run-before-restore|run-after-restore"

/** How the name of the charm's scrape job ends (`<application>_backup_metrics`: cos-agent-data.ts). */
export const scrapeJobSuffix = "_backup_metrics"

/** Each unit's scrape by the charm's own job. */
const scrapeUp = `up{job=~".+${scrapeJobSuffix}"}`

/** A job of `kind` waiting for its result past the time it was due (0: none waits). */
const resultOverdue = (kind: string) => {
  const due = perUnit(`backup_integrator_job_result_deadline_timestamp_seconds{kind="${kind}"}`)
  return `${due} > 0 and ${due} < time()`
}

/** How far ahead of Prometheus' clock a machine's may be before its timestamps are impossible. */
const clockSlack = 3600

/** The longest backup-max-age the charm accepts (src/domain/backup-max-age.ts). */
const longestMaxAge = 366 * 86400

const written: { readonly groups: ReadonlyArray<AlertRuleGroup<WrittenRule>> } = {
  groups: [
    {
      name: "backup-integrator",
      rules: [
        {
          alert: "BackupIntegratorBackupOverdue",
          // The deadline is the last success (before any: the start of the metrics) plus
          // backup-max-age; with backup-max-age unset there is no deadline and no alert.
          expr: `time() > ${perUnit("backup_integrator_backup_deadline_timestamp_seconds")}`,
          for: "0m",
          labels: { severity: "critical" },
          annotations: {
            summary: `No successful backup on ${unit} within its backup-max-age`,
            description: `The last backup that succeeded ended more than backup-max-age ago ({{ $value | humanizeTimestamp }} was the deadline). Look at ${onUnit("show-backups")} and at the Director's job log.`,
          },
        },
        {
          alert: "BackupIntegratorBackupFailed",
          // Stays on from the failure until a backup succeeds.
          expr: `${perUnit('backup_integrator_last_failure_timestamp_seconds{kind="backup"}')} > ${perUnit('backup_integrator_last_success_timestamp_seconds{kind="backup"}')}`,
          for: "0m",
          labels: { severity: "critical" },
          annotations: {
            summary: `The last backup on ${unit} failed`,
            description: `The newest backup job failed (a failing run-before-backup, or Bacula failed or cancelled the job) and none has succeeded since. Look at ${onUnit("show-backups")}.`,
          },
        },
        {
          alert: "BackupIntegratorRestoreFailed",
          expr: `${perUnit('backup_integrator_last_failure_timestamp_seconds{kind="restore"}')} > ${perUnit('backup_integrator_last_success_timestamp_seconds{kind="restore"}')}`,
          for: "0m",
          labels: { severity: "warning" },
          annotations: {
            summary: `The last restore on ${unit} failed`,
            description: `The newest restore job failed and none has succeeded since. Look at ${onUnit("show-backups")}.`,
          },
        },
        {
          alert: "BackupIntegratorScriptFailed",
          // 124 is a timeout, which the next rule says. `script` is pinned to the four options.
          expr: `${perUnit(`backup_integrator_script_last_exit_status{script=~"${scripts}"}`, ["script"])} != 0 unless ${perUnit(`backup_integrator_script_last_timed_out{script=~"${scripts}"}`, ["script"])} == 1`,
          for: "0m",
          labels: { severity: "warning" },
          annotations: {
            summary: `{{ $labels.script }} on ${unit} failed`,
            description: `The newest run of {{ $labels.script }} ended with exit status {{ $value }}. Look at ${onUnit("show-runs")}.`,
          },
        },
        {
          alert: "BackupIntegratorScriptTimedOut",
          expr: `${perUnit(`backup_integrator_script_last_timed_out{script=~"${scripts}"}`, ["script"])} == 1`,
          for: "0m",
          labels: { severity: "warning" },
          annotations: {
            summary: `{{ $labels.script }} on ${unit} timed out`,
            description: `The newest run of {{ $labels.script }} was stopped at script-timeout. Look at ${onUnit("show-runs")}.`,
          },
        },
        {
          alert: "BackupIntegratorMetricsMissing",
          // Each unit's scrape by the charm's own job (`up` carries its juju_unit) that brings
          // none of this application's series: the scrape fails (up 0: nothing or something
          // else on the port; its series then go stale at once) or the exporter serves no file
          // of ours (up 1). No time window: it fires as long as that lasts. A unit or an
          // application removed takes its scrape target with it, so nothing fires; `for`
          // covers the moments where the agent and the charm's `remove` hook disagree.
          expr: `${scrapeUp} unless on (job, instance, juju_unit) backup_integrator_metrics_since_timestamp_seconds`,
          for: "10m",
          labels: { severity: "warning" },
          annotations: {
            summary: `The backup metrics of ${unit} do not reach Prometheus`,
            description: `{{ if eq $value 0.0 }}The scrape of the node exporter on ${unit}'s machine (localhost:9100) fails: no exporter listens there, or something else does.{{ else }}The node exporter on ${unit}'s machine answers but serves no backup metrics of {{ $labels.juju_application }}: the file is missing from its textfile directory (metrics-directory).{{ end }} Backup alerts cannot fire for this unit meanwhile.`,
          },
        },
        {
          alert: "BackupIntegratorMetricsImpossible",
          // Values no runner writes: a time well ahead of Prometheus' clock, a deadline further
          // than the longest backup-max-age from its basis. A machine clock that was ahead, or
          // series served by something other than the runner's file to keep alerts quiet.
          expr: `${perUnit(`{__name__=~"backup_integrator_(last_start|last_success|last_failure|metrics_since|script_last_run)_timestamp_seconds"}`)} > time() + ${clockSlack} or ${perUnit("backup_integrator_backup_deadline_timestamp_seconds")} > time() + ${clockSlack + longestMaxAge} or ${perUnit("backup_integrator_backup_max_age_seconds")} > ${longestMaxAge}`,
          for: "0m",
          labels: { severity: "warning" },
          annotations: {
            summary: `The backup metrics of ${unit} hold impossible values`,
            description: `A time ahead of Prometheus' clock by more than an hour, or a deadline or max age beyond the 366 days backup-max-age allows, is served as ${unit}'s backup metrics: its machine's clock was wrong, or something other than the charm's runner serves them, and the backup alerts of this unit cannot be trusted. Look at \`curl -s localhost:9100/metrics | grep ^backup_integrator_\` and at who listens on port 9100 (\`ss -ltnp\`).`,
          },
        },
        {
          alert: "BackupIntegratorBackupNoResult",
          // A backup's result is due at its before-script's end plus 3 times the longest recent
          // success (at least 1h; 12h before any); the deadline is 0 while none waits. The next
          // backup's start records the job as no result, which BackupFailed then says.
          expr: resultOverdue("backup"),
          for: "0m",
          labels: { severity: "critical" },
          annotations: {
            summary: `A backup of ${unit} has no result`,
            description: `A backup job's run-before-backup succeeded and its run-after-backup had not run by {{ $value | humanizeTimestamp }}, when its result was due: Bacula failed or cancelled the job after the before-script (storage or network down, a full volume), or it runs far longer than ever. Look at the Director's job log and ${onUnit("show-backups")}.`,
          },
        },
        {
          alert: "BackupIntegratorRestoreNoResult",
          // A restore is started by someone who is watching it: not a page.
          expr: resultOverdue("restore"),
          for: "0m",
          labels: { severity: "warning" },
          annotations: {
            summary: `A restore on ${unit} has no result`,
            description: `A restore job's run-before-restore succeeded and its run-after-restore had not run by {{ $value | humanizeTimestamp }}, when its result was due: Bacula failed or cancelled the restore after the before-script. Look at the Director's job log and ${onUnit("show-backups")}.`,
          },
        },
        {
          alert: "BackupIntegratorFutureTimestamps",
          // Times taken while the clock was ahead hold the backup deadline ahead with them:
          // BackupOverdue cannot fire until the clock passes them. Not a page by itself.
          expr: `${perUnit("backup_integrator_future_timestamps")} > 0`,
          for: "0m",
          labels: { severity: "warning" },
          annotations: {
            summary: `Times in the future in the backups of ${unit}`,
            description: `{{ $value }} times the runner recorded lie in the future: the machine's clock was ahead and was set back. Until the clock passes them the last backup may look newer than it is, and BackupOverdue may not fire. Check the machine's time synchronisation and ${onUnit("show-backups")}.`,
          },
        },
      ],
    },
  ],
}

export const alertRules: { readonly groups: ReadonlyArray<AlertRuleGroup> } = {
  groups: written.groups.map((group) => ({ ...group, rules: group.rules.map(withRunbook) })),
}
