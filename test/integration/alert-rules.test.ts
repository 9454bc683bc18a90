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

const promtool = resolve("build/prometheus/usr/bin/promtool")
const dir = mkdtempSync(join(tmpdir(), "alert-rules-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const unit = { application: "backup-integrator", unit: "backup-integrator/0" }
const labelText = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .join(",")}}`
const series = (name: string, extra: Record<string, string>, values: string) => ({
  series: `${name}${labelText({ ...unit, ...extra })}`,
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
    exp_annotations: { summary, description },
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
    assert.match(result.stdout, /SUCCESS: 9 rules found/)
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
              summary: "No successful backup of backup-integrator on backup-integrator/0 within its max age",
              description:
                "The last backup that succeeded ended more than backup-max-age ago (1970-01-01 01:00:00 +0000 UTC was the deadline). Look at `juju run backup-integrator/0 show-backups` and at the Director's job log.",
            },
          ]),
        ],
      },
    ])
  })

  it("a failed backup fires until a backup succeeds; a failed restore alike, as a warning", () => {
    const failed = (kind: string, severity: string, summary: string, description: string) => ({
      labels: { ...unit, kind, severity },
      summary,
      description,
    })
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
            failed(
              "backup",
              "critical",
              "The last backup of backup-integrator on backup-integrator/0 failed",
              "The newest backup job failed (a failing run-before-backup, or Bacula failed or cancelled the job) and none has succeeded since. Look at `juju run backup-integrator/0 show-backups`.",
            ),
          ]),
          alert("55m", "BackupIntegratorBackupFailed", []),
          alert("5m", "BackupIntegratorRestoreFailed", []),
          alert("20m", "BackupIntegratorRestoreFailed", [
            failed(
              "restore",
              "warning",
              "The last restore on backup-integrator on backup-integrator/0 failed",
              "The newest restore job failed and none has succeeded since. Look at `juju run backup-integrator/0 show-backups`.",
            ),
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
              summary: "run-after-backup of backup-integrator on backup-integrator/0 failed",
              description:
                "The newest run of run-after-backup ended with exit status 3. Look at `juju run backup-integrator/0 show-runs`.",
            },
          ]),
          alert("5m", "BackupIntegratorScriptTimedOut", [
            {
              labels: script("run-before-backup"),
              summary: "run-before-backup of backup-integrator on backup-integrator/0 timed out",
              description:
                "The newest run of run-before-backup was stopped at script-timeout. Look at `juju run backup-integrator/0 show-runs`.",
            },
          ]),
        ],
      },
    ])
  })

  it("a unit whose series stop, or whose scrape fails, stopped reporting after 10 minutes", () => {
    const description = (who: string) =>
      `The backup metrics of ${who} are no longer scraped: the machine, its telemetry agent or the node exporter that reads the metrics is down (docs/how-to.md, know when backups stop).`
    passes("missing", [
      {
        interval: "1m",
        input_series: [
          // Scraped for 20 minutes, then gone.
          series("backup_integrator_metrics_since_timestamp_seconds", {}, "100x20"),
          { series: 'up{juju_unit="backup-integrator/1",job="backup-integrator"}', values: "1x20 0x20" },
        ],
        alert_rule_test: [
          alert("15m", "BackupIntegratorMetricsMissing", []),
          alert("28m", "BackupIntegratorMetricsMissing", []),
          alert("40m", "BackupIntegratorMetricsMissing", [
            {
              labels: { ...unit, severity: "warning" },
              summary: "A unit of backup-integrator stopped reporting its backups",
              description: description("backup-integrator/0"),
            },
            {
              labels: { juju_unit: "backup-integrator/1", job: "backup-integrator", severity: "warning" },
              summary: "A unit of backup-integrator stopped reporting its backups",
              description: description("backup-integrator/1"),
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
              labels: { ...unit, kind: "backup", severity: "critical" },
              summary: "A backup of backup-integrator on backup-integrator/0 has no result",
              description: description(
                "backup",
                "backup",
                "the job after the before-script (storage or network down, a full volume), or it runs far longer than ever",
              ),
            },
          ]),
          alert("61m", "BackupIntegratorRestoreNoResult", [
            {
              labels: { ...unit, kind: "restore", severity: "warning" },
              summary: "A restore on backup-integrator on backup-integrator/0 has no result",
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
              summary: "Times in the future in the backups of backup-integrator on backup-integrator/0",
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
