// Debian's real Prometheus and node exporter (`bash scripts/fetch-prometheus.sh` unpacks them
// into build/prometheus) on 127.0.0.1 ports the kernel picks, for tests of the signals: an
// exporter per emulated machine over its textfile directory, one Prometheus scraping and
// evaluating every second, alerts read from its HTTP API with bounded polling.
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { stringify } from "yaml"

const bin = (name: string) => resolve("build/prometheus/usr/bin", name)
export const prometheusInstalled = () =>
  existsSync(bin("prometheus")) && existsSync(bin("prometheus-node-exporter"))

/** A free port on 127.0.0.1, found by letting the kernel pick one. */
export const freePort = () =>
  new Promise<number>((done, fail) => {
    const server = createServer()
    server.on("error", fail)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number }
      server.close(() => done(port))
    })
  })

const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms))

/**
 * Polls `probe` every 200 ms until it returns something other than undefined, for at most
 * `seconds` (a generous bound: the machine is shared; only a hang reaches it), then fails
 * saying `what` and the last value `describe` gives.
 */
export const eventually = async <T>(
  what: string,
  probe: () => Promise<T | undefined>,
  seconds = 120,
  describe: () => Promise<string> = async () => "",
): Promise<T> => {
  const until = Date.now() + seconds * 1000
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error(`${what}: not within ${seconds}s. ${await describe()}`)
    await sleep(200)
  }
}

/** A process started under `timeout` (it ends by itself if the test process dies first). */
const started = (binary: string, args: ReadonlyArray<string>): ChildProcess =>
  spawn("timeout", ["900", binary, ...args], { stdio: "ignore" })

const stopped = (child: ChildProcess) =>
  new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done()
    child.once("exit", () => done())
    child.kill("SIGTERM")
  })

const answers = (url: string) =>
  fetch(url).then(
    (response) => response.ok,
    () => false,
  )

/** Debian's node exporter with the textfile collector alone, over `directory`. */
export class NodeExporter {
  private child: ChildProcess | undefined
  readonly directory: string
  readonly port: number
  private constructor(directory: string, port: number) {
    this.directory = directory
    this.port = port
  }

  static async start(directory: string): Promise<NodeExporter> {
    const exporter = new NodeExporter(directory, await freePort())
    await exporter.restart()
    return exporter
  }

  get target(): string {
    return `127.0.0.1:${this.port}`
  }

  async restart(): Promise<void> {
    this.child = started(bin("prometheus-node-exporter"), [
      `--web.listen-address=${this.target}`,
      "--collector.disable-defaults",
      "--collector.textfile",
      `--collector.textfile.directory=${this.directory}`,
    ])
    await eventually("the node exporter answers", async () =>
      (await answers(`http://${this.target}/metrics`)) ? true : undefined,
    )
  }

  async stop(): Promise<void> {
    if (this.child !== undefined) await stopped(this.child)
    this.child = undefined
  }
}

export interface Alert {
  readonly labels: Record<string, string>
  readonly annotations: Record<string, string>
  readonly state: "pending" | "firing"
  readonly activeAt: string
}

export interface PrometheusSetup {
  readonly scrapeConfigs: ReadonlyArray<Record<string, unknown>>
  readonly ruleGroups: ReadonlyArray<unknown>
}

/**
 * Prometheus 2.42 scraping and evaluating every second, with a lookback of 5 seconds: COS's
 * times (a 1m scrape, a 5m lookback) divided by 60. Its configuration reloadable.
 */
export class Prometheus {
  private child: ChildProcess | undefined
  readonly dir: string
  readonly port: number
  private constructor(dir: string, port: number) {
    this.dir = dir
    this.port = port
  }

  static async start(setup: PrometheusSetup): Promise<Prometheus> {
    const prometheus = new Prometheus(mkdtempSync(join(tmpdir(), "prometheus-")), await freePort())
    prometheus.write(setup)
    prometheus.child = started(bin("prometheus"), [
      `--config.file=${join(prometheus.dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(prometheus.dir, "data")}`,
      `--web.listen-address=127.0.0.1:${prometheus.port}`,
      "--web.enable-lifecycle",
      // Scaled with the scrape interval: Prometheus' 5m for the agents' 1m (a series whose
      // job is dropped gets no staleness marker and is seen until the lookback ends).
      "--query.lookback-delta=5s",
    ])
    await eventually("Prometheus is ready", async () =>
      (await answers(`${prometheus.url}/-/ready`)) ? true : undefined,
    )
    return prometheus
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  private write({ scrapeConfigs, ruleGroups }: PrometheusSetup): void {
    writeFileSync(join(this.dir, "rules.json"), JSON.stringify({ groups: ruleGroups }))
    writeFileSync(
      join(this.dir, "prometheus.yml"),
      stringify({
        global: { scrape_interval: "1s", scrape_timeout: "1s", evaluation_interval: "1s" },
        rule_files: [join(this.dir, "rules.json")],
        scrape_configs: scrapeConfigs,
      }),
    )
  }

  /** New scrape jobs and rules, as the agent's new configuration after a relation change. */
  async reload(setup: PrometheusSetup): Promise<void> {
    this.write(setup)
    const response = await fetch(`${this.url}/-/reload`, { method: "POST" })
    if (!response.ok) throw new Error(`reload: ${response.status} ${await response.text()}`)
  }

  async query(
    expr: string,
  ): Promise<ReadonlyArray<{ metric: Record<string, string>; value: [number, string] }>> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`)
    const body = (await response.json()) as { status: string; data: { result: [] }; error?: string }
    if (body.status !== "success") throw new Error(`query ${expr}: ${body.error}`)
    return body.data.result
  }

  async alerts(): Promise<ReadonlyArray<Alert>> {
    const body = (await (await fetch(`${this.url}/api/v1/alerts`)).json()) as {
      data: { alerts: Array<Alert> }
    }
    return body.data.alerts
  }

  /** The alerts firing now named `name`, once some are (bounded polling). */
  async firing(name: string, count = 1): Promise<ReadonlyArray<Alert>> {
    return eventually(
      `${count} ${name} firing`,
      async () => {
        const now = (await this.alerts()).filter((a) => a.labels.alertname === name && a.state === "firing")
        return now.length >= count ? now : undefined
      },
      120,
      async () => `Alerts: ${JSON.stringify(await this.alerts())}`,
    )
  }

  /** Once no alert named `name` is pending or firing (bounded polling). */
  async resolved(name: string): Promise<void> {
    await eventually(
      `${name} resolved`,
      async () => ((await this.alerts()).some((a) => a.labels.alertname === name) ? undefined : true),
      120,
      async () => `Alerts: ${JSON.stringify(await this.alerts())}`,
    )
  }

  /** The alerts that fired (Prometheus' own ALERTS series) in the last `seconds`. */
  async firedWithin(seconds: number): Promise<ReadonlyArray<Record<string, string>>> {
    const fired = await this.query(`max_over_time(ALERTS{alertstate="firing"}[${Math.ceil(seconds)}s])`)
    return fired.map(({ metric }) => metric)
  }

  /**
   * Waits until every rule has been evaluated `rounds` times more from now (each evaluation
   * after the previous one's timestamp), so that a test can say what the rules made of a state.
   */
  async evaluated(rounds: number): Promise<void> {
    const last = async () => {
      const body = (await (await fetch(`${this.url}/api/v1/rules`)).json()) as {
        data: { groups: Array<{ lastEvaluation: string }> }
      }
      return Math.min(...body.data.groups.map((group) => Date.parse(group.lastEvaluation)))
    }
    let seen = await last()
    for (let round = 0; round < rounds; round++) {
      const before = seen
      seen = await eventually("the rules evaluated again", async () => {
        const now = await last()
        return now > before ? now : undefined
      })
    }
  }

  async stop(): Promise<void> {
    if (this.child !== undefined) await stopped(this.child)
    rmSync(this.dir, { recursive: true, force: true })
  }
}
