// The packed charm's metrics and cos-agent relation, as Juju and Bacula drive them: the file a
// new unit writes, the runner's after Bacula's run, the file gone with the last unit, and the
// unit databag COS's agent reads.
import { spawnSync } from "node:child_process"
import { existsSync, lstatSync, mkdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, assert, describe, it } from "vitest"
import { backupRelation, CharmUnit, expectOk } from "../support/charm-unit.ts"

const units: Array<CharmUnit> = []
afterEach(() => {
  for (const made of units.splice(0)) made.remove()
})

/** A configured leader whose machine has a textfile directory at `<dir>/textfiles`. */
const configured = () => {
  const u = new CharmUnit({ relations: { "backup:3": backupRelation() } })
  units.push(u)
  const textfiles = join(u.dir, "textfiles")
  mkdirSync(textfiles)
  u.update((s) => {
    s.config = {
      fileset: "/srv",
      "run-before-backup": "#!/bin/sh\necho dumping\n",
      "metrics-directory": textfiles,
    }
  })
  const first = u.hook("config-changed")
  expectOk(first)
  return { u, prom: join(textfiles, "backup-integrator-backup-integrator.prom") }
}

const sample = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}
const labels = 'application="backup-integrator"'

describe("the metrics, from the packed charm", () => {
  it("a new unit shows no backup yet; Bacula's run of a script shows in them; the last unit's remove deletes them", () => {
    const { u, prom } = configured()
    const fresh = readFileSync(prom, "utf8")
    assert.strictEqual(lstatSync(prom).mode & 0o777, 0o644)
    assert.strictEqual(
      sample(fresh, `backup_integrator_last_success_timestamp_seconds{${labels},kind="backup"}`),
      0,
    )
    assert.notMatch(fresh, /^backup_integrator_script_last_exit_status/m)
    const run = spawnSync(u.runnerPath("run-before-backup"), [], {
      encoding: "utf8",
      env: { PATH: "/usr/bin:/bin" },
    })
    assert.strictEqual(run.status, 0)
    const after = readFileSync(prom, "utf8")
    assert.strictEqual(
      sample(after, `backup_integrator_script_last_exit_status{${labels},script="run-before-backup"}`),
      0,
    )
    const removed = u.hook("remove")
    expectOk(removed)
    assert.isFalse(existsSync(prom))
  })
})

describe("the default directories", () => {
  it("unset metrics-directory: Debian's node exporter's directory and the snap's, each where it exists", () => {
    const u = new CharmUnit({
      config: { fileset: "/srv" },
      relations: { "backup:3": backupRelation() },
    })
    units.push(u)
    // The tests' machine root is the parent of their /opt (BACKUP_INTEGRATOR_OPT_DIR).
    const debian = join(u.dir, "var/lib/prometheus/node-exporter")
    const snap = join(u.dir, "var/snap/node-exporter/common/textfile-collector.d")
    mkdirSync(debian, { recursive: true })
    expectOk(u.hook("config-changed"))
    assert.isTrue(existsSync(join(debian, "backup-integrator-backup-integrator.prom")))
    assert.isFalse(existsSync(snap), "a directory the runner does not create")
    mkdirSync(snap, { recursive: true })
    expectOk(u.hook("config-changed"))
    assert.isTrue(existsSync(join(snap, "backup-integrator-backup-integrator.prom")))
  })
})

describe("the cos-agent relation", () => {
  it("a follower's own databag holds the config COS's agent reads, written with relation-set without --app, once", () => {
    const { u } = configured()
    u.update((s) => {
      s.leader = false
      s.relations["cos-agent:9"] = {
        endpoint: "cos-agent",
        remoteApp: "grafana-agent",
        remoteUnits: ["grafana-agent/0"],
        data: {},
      }
    })
    const joined = u.hook("cos-agent-relation-joined", "cos-agent:9")
    expectOk(joined)
    const bag = joined.state.relations["cos-agent:9"]?.data["backup-integrator/0"] ?? {}
    assert.deepStrictEqual(Object.keys(bag), ["config"])
    const config = JSON.parse(bag.config as string)
    assert.includeMembers(Object.keys(config), [
      "metrics_alert_rules",
      "log_alert_rules",
      "dashboards",
      "metrics_scrape_jobs",
      "log_slots",
    ])
    assert.include(config.metrics_alert_rules.groups[0].rules[0].labels, {
      juju_model: "test",
      juju_application: "backup-integrator",
    })
    const setCalls = joined.state.calls.filter(([tool]) => tool === "relation-set")
    assert.deepStrictEqual(setCalls, [["relation-set", "-r", "cos-agent:9", "--file", "-"]])
    const changed = u.hook("cos-agent-relation-changed", "cos-agent:9")
    expectOk(changed)
    assert.notDeepInclude(
      changed.state.calls.map(([tool, ...args]) => [tool, args[1]]),
      ["relation-set", "cos-agent:9"],
    )
  })
})
