// The runner's metrics (src/runner/) read by Debian's own prometheus-node-exporter, as
// on a machine: the runner runs a script, writes the metrics into a textfile directory, and the
// exporter (127.0.0.1, a free port, the textfile collector alone) serves them in a scrape.
// `bash scripts/fetch-prometheus.sh` unpacks the exporter into build/prometheus.
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import fc from "fast-check"
import { afterAll, afterEach, assert, beforeAll, describe, it } from "vitest"
import { encodeRunnerSettings, type RunnerSettings } from "../../src/domain/runner-settings.ts"
import runnerFile from "../../src/runner/runner.pyz"

const exporterBinary = resolve("build/prometheus/usr/bin/prometheus-node-exporter")

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** An application directory as the charm lays it out, with a textfile directory beside it. */
const machine = (settings: Partial<RunnerSettings> = {}) => {
  const root = mkdtempSync(join(tmpdir(), "metrics-"))
  dirs.push(root)
  const app = join(root, "opt/backup-integrator-charm/backup-integrator")
  const textfiles = join(root, "node-exporter")
  mkdirSync(textfiles)
  for (const dir of ["scripts", "operator-scripts", "units"]) mkdirSync(join(app, dir), { recursive: true })
  writeFileSync(join(app, "units/0"), "")
  writeFileSync(
    join(app, "runner.json"),
    encodeRunnerSettings({ metricsDirectories: [textfiles], ...settings }),
  )
  const script = (option: string, content: string) => {
    writeFileSync(join(app, "operator-scripts", option), content, { mode: 0o700 })
    writeFileSync(join(app, "scripts", option), runnerFile, { mode: 0o700 })
    return join(app, "scripts", option)
  }
  return { root, app, textfiles, script, prom: join(textfiles, "backup-integrator-backup-integrator.prom") }
}

const run = (runner: string, args: ReadonlyArray<string> = []) =>
  spawnSync(runner, args, { encoding: "utf8", timeout: 60_000 })

/** A job as the journal holds it (the contract of issue 23). */
const job = (started: string | null, ended: string | null, outcome: string, durationMs: number | null) => ({
  started,
  ended,
  outcome,
  durationMs,
  scripts: {},
})

const journal = {
  version: 1,
  backup: {
    counts: { succeeded: 41, failed: 2 },
    jobs: [
      job("2026-12-03T01:00:00.000Z", null, "running", null),
      job("2026-12-02T01:00:00.000Z", "2026-12-02T01:20:00.500Z", "succeeded", 1_200_500),
      job("2026-12-01T01:00:00.000Z", "2026-12-01T01:00:03.000Z", "failed", 3000),
    ],
  },
  restore: {
    counts: { succeeded: 0, failed: 1 },
    jobs: [job("2026-11-30T12:00:00.000Z", null, "failed", null)],
  },
}

/** A free port on 127.0.0.1, found by letting the kernel pick one. */
const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer()
    server.on("error", fail)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => done(port))
    })
  })

let exporter: ChildProcess | undefined
let scrapeUrl = ""
const exporterRoot = mkdtempSync(join(tmpdir(), "node-exporter-"))
const served = join(exporterRoot, "textfiles")

beforeAll(async () => {
  assert.isTrue(existsSync(exporterBinary), "run `bash scripts/fetch-prometheus.sh` first")
  mkdirSync(served)
  const port = await freePort()
  // `timeout`: the exporter stops by itself even if this process dies first.
  exporter = spawn(
    "timeout",
    [
      "600",
      exporterBinary,
      `--web.listen-address=127.0.0.1:${port}`,
      "--collector.disable-defaults",
      "--collector.textfile",
      `--collector.textfile.directory=${served}`,
    ],
    { stdio: "ignore" },
  )
  scrapeUrl = `http://127.0.0.1:${port}/metrics`
  for (let attempt = 0; attempt < 600; attempt++) {
    if (
      await fetch(scrapeUrl).then(
        (r) => r.ok,
        () => false,
      )
    )
      return
    await new Promise((wait) => setTimeout(wait, 100))
  }
  assert.fail("the node exporter did not answer")
})

afterAll(() => {
  exporter?.kill("SIGTERM")
  rmSync(exporterRoot, { recursive: true, force: true })
})

/** The samples of one scrape, by series as the exporter prints it, after `prom` is served. */
const scrape = async (prom: string) => {
  for (const name of readdirSync(served)) rmSync(join(served, name))
  writeFileSync(join(served, "backup-integrator.prom"), readFileSync(prom))
  const text = await (await fetch(scrapeUrl)).text()
  const samples = new Map<string, number>()
  for (const line of text.split("\n")) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match !== null) samples.set(series(match[1] as string, match[2] ?? ""), Number(match[3]))
  }
  return { text, samples }
}

/** A series' name and labels, the labels sorted: the exporter prints them in its own order. */
const series = (name: string, labelText: string) => {
  const pairs = labelText.match(/\w+="(?:[^"\\]|\\.)*"/g) ?? []
  return pairs.length === 0 ? name : `${name}{${[...pairs].sort().join(",")}}`
}

/** The application alone: units on the machine come and go without the series changing identity. */
const labels = 'application="backup-integrator"'

describe("metrics for Prometheus", () => {
  it("the journal's jobs as metrics, served by node_exporter without error", async () => {
    const m = machine({ backupMaxAge: 8 * 3600 })
    writeFileSync(join(m.app, "jobs.json"), JSON.stringify(journal), { mode: 0o600 })
    const runner = m.script("run-before-backup", "#!/bin/sh\necho dumping\n")
    assert.strictEqual(run(runner, ["--write-metrics"]).status, 0)
    assert.strictEqual(lstatSync(m.prom).mode & 0o777, 0o644)
    const { samples, text } = await scrape(m.prom)
    assert.strictEqual(samples.get("node_textfile_scrape_error"), 0, text)
    const at = (name: string, extra = "") =>
      samples.get(series(`backup_integrator_${name}`, `${labels}${extra === "" ? "" : `,${extra}`}`))
    assert.strictEqual(
      at("last_start_timestamp_seconds", 'kind="backup"'),
      Date.parse("2026-12-03T01:00:00Z") / 1000,
    )
    assert.strictEqual(
      at("last_success_timestamp_seconds", 'kind="backup"'),
      Date.parse("2026-12-02T01:20:00.5Z") / 1000,
    )
    assert.strictEqual(
      at("last_failure_timestamp_seconds", 'kind="backup"'),
      Date.parse("2026-12-01T01:00:03Z") / 1000,
    )
    assert.strictEqual(at("last_duration_seconds", 'kind="backup"'), 1200.5)
    assert.strictEqual(at("job_running", 'kind="backup"'), 1)
    assert.strictEqual(at("jobs_total", 'kind="backup",outcome="succeeded"'), 41)
    assert.strictEqual(at("jobs_total", 'kind="backup",outcome="failed"'), 2)
    // A restore failed by the next start: its start stands for its failure, no success yet.
    assert.strictEqual(
      at("last_failure_timestamp_seconds", 'kind="restore"'),
      Date.parse("2026-11-30T12:00:00Z") / 1000,
    )
    assert.strictEqual(at("last_success_timestamp_seconds", 'kind="restore"'), 0)
    assert.strictEqual(at("jobs_total", 'kind="restore",outcome="failed"'), 1)
    assert.strictEqual(at("backup_max_age_seconds"), 8 * 3600)
    assert.strictEqual(
      at("backup_deadline_timestamp_seconds"),
      Date.parse("2026-12-02T01:20:00.5Z") / 1000 + 8 * 3600,
    )
    assert.match(text, /# TYPE backup_integrator_jobs_total counter/)
    assert.match(text, /# HELP backup_integrator_last_success_timestamp_seconds /)
  })

  it("after Bacula's run of a failing after-script: the job it ends succeeded (OK with warnings), the script failed", async () => {
    const m = machine()
    writeFileSync(join(m.app, "jobs.json"), JSON.stringify(journal), { mode: 0o600 })
    const runner = m.script("run-after-backup", "#!/bin/sh\necho cleaning\nexit 3\n")
    assert.strictEqual(run(runner).status, 3)
    // The runner closed the running job in its journal; the metrics show that journal.
    const [newest] = JSON.parse(readFileSync(join(m.app, "jobs.json"), "utf8")).backup.jobs
    assert.strictEqual(newest.outcome, "succeeded")
    const { samples, text } = await scrape(m.prom)
    assert.strictEqual(samples.get("node_textfile_scrape_error"), 0, text)
    const at = (name: string, extra = "") =>
      samples.get(series(`backup_integrator_${name}`, `${labels}${extra === "" ? "" : `,${extra}`}`))
    assert.strictEqual(at("last_success_timestamp_seconds", 'kind="backup"'), Date.parse(newest.ended) / 1000)
    assert.strictEqual(at("last_duration_seconds", 'kind="backup"'), newest.durationMs / 1000)
    assert.strictEqual(at("job_running", 'kind="backup"'), 0)
    assert.strictEqual(at("jobs_total", 'kind="backup",outcome="succeeded"'), 42)
    assert.strictEqual(at("jobs_total", 'kind="backup",outcome="failed"'), 2)
    assert.strictEqual(at("script_last_exit_status", 'script="run-after-backup"'), 3)
    assert.strictEqual(at("script_last_timed_out", 'script="run-after-backup"'), 0)
  })

  it("before any job (the charm's --write-metrics): no backup yet, and the deadline counts from the first write", async () => {
    const m = machine({ backupMaxAge: 26 * 3600 })
    const runner = m.script("run-after-backup", "#!/bin/sh\necho never run\n")
    const result = run(runner, ["--write-metrics"])
    assert.strictEqual(result.status, 0)
    assert.strictEqual(result.stdout, "")
    assert.isFalse(existsSync(join(m.app, "runs")), "no script ran")
    const { samples, text } = await scrape(m.prom)
    assert.strictEqual(samples.get("node_textfile_scrape_error"), 0, text)
    const since = samples.get(
      series("backup_integrator_metrics_since_timestamp_seconds", `${labels}`),
    ) as number
    assert.closeTo(since, Date.now() / 1000, 600)
    assert.strictEqual(
      samples.get(series("backup_integrator_last_success_timestamp_seconds", `${labels},kind="backup"`)),
      0,
    )
    assert.strictEqual(
      samples.get(series("backup_integrator_jobs_total", `${labels},kind="backup",outcome="succeeded"`)),
      0,
    )
    assert.strictEqual(
      samples.get(series("backup_integrator_backup_max_age_seconds", `${labels}`)),
      26 * 3600,
    )
    assert.strictEqual(
      samples.get(series("backup_integrator_backup_deadline_timestamp_seconds", `${labels}`)),
      since + 26 * 3600,
    )
    assert.notMatch(text, /backup_integrator_script_last_exit_status/)
    // A second write keeps the first's start.
    run(runner, ["--write-metrics"])
    assert.strictEqual(
      (await scrape(m.prom)).samples.get(
        series("backup_integrator_metrics_since_timestamp_seconds", `${labels}`),
      ),
      since,
    )
  })

  it("backup-max-age unset: no max age and no deadline, as the status checks none; a second unit changes no series", async () => {
    const m = machine()
    const runner = m.script("run-after-backup", "#!/bin/sh\necho never run\n")
    assert.strictEqual(run(runner, ["--write-metrics"]).status, 0)
    const first = await scrape(m.prom)
    assert.strictEqual(first.samples.get("node_textfile_scrape_error"), 0, first.text)
    assert.notMatch(first.text, /backup_integrator_backup_max_age_seconds/)
    assert.notMatch(first.text, /backup_integrator_backup_deadline_timestamp_seconds/)
    assert.isDefined(first.samples.get(series("backup_integrator_metrics_since_timestamp_seconds", labels)))
    writeFileSync(join(m.app, "units/1"), "")
    assert.strictEqual(run(runner, ["--write-metrics"]).status, 0)
    assert.deepStrictEqual([...(await scrape(m.prom)).samples.keys()], [...first.samples.keys()])
  })

  it("whatever the journal holds (damaged, another shape), the file stays one the exporter reads", async () => {
    const value = fc.oneof(
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.date().map(String),
    )
    const job = fc.record(
      {
        started: fc.oneof(
          value,
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
        ended: fc.oneof(
          value,
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
        outcome: fc.oneof(fc.constantFrom("running", "succeeded", "failed"), value),
        durationMs: fc.oneof(fc.nat(), value),
      },
      { requiredKeys: [] },
    )
    const kind = fc.oneof(
      value,
      fc.record(
        {
          counts: fc.oneof(value, fc.dictionary(fc.string(), value)),
          jobs: fc.oneof(value, fc.array(fc.oneof(job, value), { maxLength: 4 })),
        },
        { requiredKeys: [] },
      ),
    )
    const journals = fc.sample(
      fc.oneof(value, fc.record({ backup: kind, restore: kind }, { requiredKeys: [] })),
      { numRuns: 12, seed: 5 },
    )
    for (const content of journals) {
      const m = machine()
      writeFileSync(join(m.app, "jobs.json"), JSON.stringify(content))
      const result = run(m.script("run-before-backup", "#!/bin/sh\n"), ["--write-metrics"])
      assert.strictEqual(result.status, 0, result.stderr)
      const { samples, text } = await scrape(m.prom)
      assert.strictEqual(samples.get("node_textfile_scrape_error"), 0, `${JSON.stringify(content)}\n${text}`)
    }
  })

  it("a timed-out script shows as such, with the runner's exit status", async () => {
    const m = machine({ timeout: 1 })
    const runner = m.script("run-after-restore", "#!/bin/sh\nsleep 30\n")
    assert.strictEqual(run(runner).status, 124)
    const { samples } = await scrape(m.prom)
    assert.strictEqual(
      samples.get(series("backup_integrator_script_last_timed_out", `${labels},script="run-after-restore"`)),
      1,
    )
    assert.strictEqual(
      samples.get(
        series("backup_integrator_script_last_exit_status", `${labels},script="run-after-restore"`),
      ),
      124,
    )
  })

  it("a link planted at the file's path: left alone and said, never written through nor replaced; no temporary file", () => {
    const m = machine()
    const target = join(m.root, "elsewhere")
    writeFileSync(target, "untouched\n")
    symlinkSync(target, m.prom)
    const result = run(m.script("run-before-backup", "#!/bin/sh\n"), ["--write-metrics"])
    assert.strictEqual(result.status, 0)
    assert.match(
      result.stderr,
      /could not write metrics in .*node-exporter: backup-integrator-backup-integrator\.prom is a link, not the metrics file: left alone\n$/,
    )
    assert.strictEqual(readFileSync(target, "utf8"), "untouched\n")
    assert.isTrue(lstatSync(m.prom).isSymbolicLink())
    assert.deepStrictEqual(readdirSync(m.textfiles), ["backup-integrator-backup-integrator.prom"])
  })

  it("writes into each listed directory that exists, and creates none", () => {
    const m = machine()
    const missing = join(m.root, "snap/node-exporter/common/textfile-collector.d")
    writeFileSync(
      join(m.app, "runner.json"),
      encodeRunnerSettings({ metricsDirectories: [missing, m.textfiles] }),
    )
    const result = run(m.script("run-before-backup", "#!/bin/sh\n"))
    assert.strictEqual(result.status, 0)
    assert.strictEqual(result.stderr, "")
    assert.isTrue(existsSync(m.prom))
    assert.isFalse(existsSync(missing))
  })

  it("a directory at the file's path: left alone and said on stderr, the script's exit status stands, no temporary file left", () => {
    const m = machine()
    mkdirSync(m.prom)
    const result = run(m.script("run-before-backup", "#!/bin/sh\nexit 0\n"))
    assert.strictEqual(result.status, 0)
    assert.match(
      result.stderr,
      /^backup-integrator: could not write metrics in .*node-exporter: backup-integrator-backup-integrator\.prom is a directory, not the metrics file: left alone\n$/,
    )
    assert.deepStrictEqual(readdirSync(m.textfiles), ["backup-integrator-backup-integrator.prom"])
  })
})
