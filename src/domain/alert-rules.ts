/**
 * The alert rules the charm hands to COS over `cos-agent` (src/domain/cos-agent-data.ts), in
 * Prometheus' rule-file form, over the metrics the runner writes (src/runner/). The
 * expressions name no `juju_*` label: COS scopes a rule to the series of the topology its
 * labels carry (the charm adds them). test/integration/alert-rules.test.ts runs them through
 * Debian's `promtool test rules`.
 */
export interface AlertRule {
  readonly alert: string
  readonly expr: string
  readonly for: string
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: { readonly summary: string; readonly description: string }
}

export interface AlertRuleGroup {
  readonly name: string
  readonly rules: ReadonlyArray<AlertRule>
}

const where = "{{ $labels.application }} on {{ $labels.unit }}"

export const alertRules: { readonly groups: ReadonlyArray<AlertRuleGroup> } = {
  groups: [
    {
      name: "backup-integrator",
      rules: [
        {
          alert: "BackupIntegratorBackupOverdue",
          // The deadline is the last success (before any: the start of the metrics) plus
          // backup-max-age, or 26h when unset: one threshold per unit, set by its operator.
          expr: "time() > backup_integrator_backup_deadline_timestamp_seconds",
          for: "0m",
          labels: { severity: "critical" },
          annotations: {
            summary: `No successful backup of ${where} within its max age`,
            description:
              "The last backup that succeeded ended more than backup-max-age ago ({{ $value | humanizeTimestamp }} was the deadline). Look at `juju run {{ $labels.unit }} show-backups` and at the Director's job log.",
          },
        },
        {
          alert: "BackupIntegratorBackupFailed",
          // Stays on from the failure until a backup succeeds.
          expr: 'backup_integrator_last_failure_timestamp_seconds{kind="backup"} > backup_integrator_last_success_timestamp_seconds{kind="backup"}',
          for: "0m",
          labels: { severity: "critical" },
          annotations: {
            summary: `The last backup of ${where} failed`,
            description:
              "The newest backup job failed (a failing run-before-backup, or Bacula failed or cancelled the job) and none has succeeded since. Look at `juju run {{ $labels.unit }} show-backups`.",
          },
        },
        {
          alert: "BackupIntegratorRestoreFailed",
          expr: 'backup_integrator_last_failure_timestamp_seconds{kind="restore"} > backup_integrator_last_success_timestamp_seconds{kind="restore"}',
          for: "0m",
          labels: { severity: "warning" },
          annotations: {
            summary: `The last restore on ${where} failed`,
            description:
              "The newest restore job failed and none has succeeded since. Look at `juju run {{ $labels.unit }} show-backups`.",
          },
        },
        {
          alert: "BackupIntegratorScriptFailed",
          // 124 is a timeout, which the next rule says.
          expr: "backup_integrator_script_last_exit_status != 0 unless backup_integrator_script_last_timed_out == 1",
          for: "0m",
          labels: { severity: "warning" },
          annotations: {
            summary: `{{ $labels.script }} of ${where} failed`,
            description:
              "The newest run of {{ $labels.script }} ended with exit status {{ $value }}. Look at `juju run {{ $labels.unit }} show-runs`.",
          },
        },
        {
          alert: "BackupIntegratorScriptTimedOut",
          expr: "backup_integrator_script_last_timed_out == 1",
          for: "0m",
          labels: { severity: "warning" },
          annotations: {
            summary: `{{ $labels.script }} of ${where} timed out`,
            description:
              "The newest run of {{ $labels.script }} was stopped at script-timeout. Look at `juju run {{ $labels.unit }} show-runs`.",
          },
        },
        {
          alert: "BackupIntegratorMetricsMissing",
          // The unit's series were scraped in the last hour and are not now (the machine, its
          // agent or its node exporter is down), or the scrape of our job fails.
          expr: "(max_over_time(backup_integrator_metrics_since_timestamp_seconds[1h]) unless backup_integrator_metrics_since_timestamp_seconds) or up == 0",
          for: "10m",
          labels: { severity: "warning" },
          annotations: {
            summary: "A unit of backup-integrator stopped reporting its backups",
            description:
              "The backup metrics of {{ if $labels.juju_unit }}{{ $labels.juju_unit }}{{ else }}{{ $labels.unit }}{{ end }} are no longer scraped: the machine, its telemetry agent or the node exporter that reads the metrics is down (docs/how-to.md, know when backups stop).",
          },
        },
        {
          alert: "BackupIntegratorBackupNoResult",
          // A backup's result is due at its before-script's end plus 3 times the longest recent
          // success (at least 1h; 12h before any); the deadline is 0 while none waits. The next
          // backup's start records the job as no result, which BackupFailed then says.
          expr: 'backup_integrator_job_result_deadline_timestamp_seconds{kind="backup"} > 0 and backup_integrator_job_result_deadline_timestamp_seconds{kind="backup"} < time()',
          for: "0m",
          labels: { severity: "critical" },
          annotations: {
            summary: `A backup of ${where} has no result`,
            description:
              "A backup job's run-before-backup succeeded and its run-after-backup had not run by {{ $value | humanizeTimestamp }}, when its result was due: Bacula failed or cancelled the job after the before-script (storage or network down, a full volume), or it runs far longer than ever. Look at the Director's job log and `juju run {{ $labels.unit }} show-backups`.",
          },
        },
        {
          alert: "BackupIntegratorRestoreNoResult",
          // A restore is started by someone who is watching it: not a page.
          expr: 'backup_integrator_job_result_deadline_timestamp_seconds{kind="restore"} > 0 and backup_integrator_job_result_deadline_timestamp_seconds{kind="restore"} < time()',
          for: "0m",
          labels: { severity: "warning" },
          annotations: {
            summary: `A restore on ${where} has no result`,
            description:
              "A restore job's run-before-restore succeeded and its run-after-restore had not run by {{ $value | humanizeTimestamp }}, when its result was due: Bacula failed or cancelled the restore after the before-script. Look at the Director's job log and `juju run {{ $labels.unit }} show-backups`.",
          },
        },
        {
          alert: "BackupIntegratorFutureTimestamps",
          // Times taken while the clock was ahead hold the backup deadline ahead with them:
          // BackupOverdue cannot fire until the clock passes them. Not a page by itself.
          expr: "backup_integrator_future_timestamps > 0",
          for: "0m",
          labels: { severity: "warning" },
          annotations: {
            summary: `Times in the future in the backups of ${where}`,
            description:
              "{{ $value }} times the runner recorded lie in the future: the machine's clock was ahead and was set back. Until the clock passes them the last backup may look newer than it is, and BackupOverdue may not fire. Check the machine's time synchronisation and `juju run {{ $labels.unit }} show-backups`.",
          },
        },
      ],
    },
  ],
}
