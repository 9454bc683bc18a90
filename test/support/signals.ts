// A small COS around the packed charm, for end-to-end tests of its signals: machines, each
// with a textfile directory and Debian's node exporter over it; units of the charm on them
// (test/support/charm-unit.ts), writing their metrics there through the real runner; and one
// Prometheus that scrapes and evaluates as COS would what each related unit handed over
// `cos-agent`: its scrape job stamped with the unit's topology, its rules with cos-lib's
// matchers (test/support/cos-agent-topology.ts). Tests of other signals add their scenarios
// over the same world.
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { AlertRuleGroup } from "../../src/domain/alert-rules.ts"
import { backupRelation, CharmUnit, expectOk } from "./charm-unit.ts"
import { agentScrapeJobs, mergedJobs, rulesInCos, withFor } from "./cos-agent-topology.ts"
import { NodeExporter, Prometheus, type PrometheusSetup } from "./prometheus.ts"

const model = "test"
const modelUuid = "2a2fb8a6-7a2c-4e8e-8f4e-0d3f1c2b9e11"
const cosAgentRelation = "cos-agent:9"

/** A machine: its `/opt` (shared by the units on it), its textfile directory and exporter. */
export interface Machine {
  readonly root: string
  readonly opt: string
  readonly textfiles: string
  readonly exporter: NodeExporter
}

export class SignalsWorld {
  private readonly machines: Array<Machine> = []
  private readonly units: Array<CharmUnit> = []
  /** The `cos-agent` databag of each related unit, and where its agent scrapes. */
  private readonly related = new Map<CharmUnit, { readonly config: string; readonly target: string }>()
  private prometheus: Prometheus | undefined

  /**
   * `shortened`: the `for` of these rules, replaced in the copy of the rules this world
   * evaluates (a test using it says so); every other part of every rule is the charm's.
   */
  private readonly shortened: Readonly<Record<string, string>>
  constructor(shortened: Readonly<Record<string, string>> = {}) {
    this.shortened = shortened
  }

  async machine(): Promise<Machine> {
    const root = mkdtempSync(join(tmpdir(), "signals-machine-"))
    const textfiles = join(root, "textfiles")
    mkdirSync(textfiles)
    const machine = { root, opt: join(root, "opt"), textfiles, exporter: await NodeExporter.start(textfiles) }
    this.machines.push(machine)
    return machine
  }

  /** A configured unit on `machine` (its first hook run), writing its metrics there. */
  unit(machine: Machine, unitName: string, config: Record<string, string>): CharmUnit {
    const u = new CharmUnit(
      {
        config: { fileset: "/srv", "metrics-directory": machine.textfiles, ...config },
        relations: { "backup:3": backupRelation() },
      },
      unitName,
      undefined,
      machine.opt,
    )
    this.units.push(u)
    expectOk(u.hook("config-changed"), `${unitName}'s config-changed`)
    return u
  }

  /**
   * Relates `u` to the agent on `machine`: its databag as the charm writes it, then COS
   * reloads. `target`: what answers for `localhost:9100` there, the machine's exporter unless
   * a test puts something else on the port.
   */
  async relate(u: CharmUnit, machine: Machine, target = machine.exporter.target): Promise<void> {
    u.update((state) => {
      state.relations[cosAgentRelation] = {
        endpoint: "cos-agent",
        remoteApp: "grafana-agent",
        remoteUnits: ["grafana-agent/0"],
        data: {},
      }
    })
    const joined = u.hook("cos-agent-relation-joined", cosAgentRelation)
    expectOk(joined, `${u.unitName}'s cos-agent-relation-joined`)
    const config = joined.state.relations[cosAgentRelation]?.data[u.unitName]?.config
    if (typeof config !== "string") throw new Error(`${u.unitName} wrote no cos-agent config`)
    this.related.set(u, { config, target })
    await this.apply()
  }

  /** The unit leaves the relation: its agent stops scraping it, COS drops its rules with its last unit. */
  async unrelate(u: CharmUnit): Promise<void> {
    this.related.delete(u)
    await this.apply()
  }

  private setup(): PrometheusSetup {
    const jobs = []
    const rules = new Map<string, ReadonlyArray<AlertRuleGroup>>()
    for (const [u, { config, target }] of this.related) {
      const application = u.unitName.split("/")[0] as string
      const topology = { model, modelUuid, application }
      jobs.push(...agentScrapeJobs(config, { ...topology, unit: u.unitName }, target))
      // The agent forwards one copy of an application's rules (cos_agent.py `metrics_alerts`).
      if (!rules.has(application)) {
        const shortened = Object.entries(this.shortened).reduce(
          (copy, [alert, duration]) => withFor(copy, alert, duration),
          rulesInCos(config, topology),
        )
        rules.set(application, shortened.groups)
      }
    }
    return { scrapeConfigs: mergedJobs(jobs), ruleGroups: [...rules.values()].flat() }
  }

  private async apply(): Promise<void> {
    if (this.prometheus === undefined) this.prometheus = await Prometheus.start(this.setup())
    else await this.prometheus.reload(this.setup())
  }

  get cos(): Prometheus {
    if (this.prometheus === undefined) throw new Error("no unit is related yet")
    return this.prometheus
  }

  async stop(): Promise<void> {
    await this.prometheus?.stop()
    for (const machine of this.machines.splice(0)) {
      await machine.exporter.stop()
      rmSync(machine.root, { recursive: true, force: true })
    }
    for (const u of this.units.splice(0)) u.remove()
  }
}

/** Bacula running a published path: the runner, as root, with bacula-fd's environment. */
export const baculaRuns = (u: CharmUnit, option: string, env: Record<string, string> = {}) =>
  spawnSync(u.runnerPath(option), [], {
    encoding: "utf8",
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", ...env },
  })
