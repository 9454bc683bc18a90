// `npm run simulate`: the packed charm against the emulator, shown as Juju would show it.
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, describe, it } from "vitest"
import { parse } from "yaml"
import { scriptOptions } from "../../src/domain/options.ts"
import { copyProject } from "../support/project-copy.ts"

const dir = mkdtempSync(join(tmpdir(), "simulate-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const simulate = (
  args: ReadonlyArray<string>,
  options: { input?: string; env?: Record<string, string> } = {},
) =>
  spawnSync(process.execPath, ["scripts/simulate.ts", ...args], {
    encoding: "utf8",
    input: options.input ?? "",
    env: { ...process.env, ...options.env },
  })

interface Step {
  step: string
  kind: string
  exitCode?: number
  stderr?: string
  status: { status: string; message: string }
  databags: Record<string, Record<string, Record<string, string>>>
  files: Array<{ path: string; mode: string; firstLine: string }>
  calls: Array<string>
  logs: Array<string>
  action?: { status: string; message?: string; results: Record<string, unknown>; logs: Array<string> }
  clockAhead?: string
  job?: {
    outcome: string
    runs: Array<{
      option: string
      path?: string
      exitStatus: number
      signal: null | string
      messages: Array<string>
    }>
  }
}
interface Report {
  unit: string
  leader: boolean
  config: Record<string, string>
  configSource: string
  secret?: Array<string>
  relations: Record<string, { endpoint: string; remoteApp: string }>
  steps: Array<Step>
}

const report = (
  args: ReadonlyArray<string>,
  options: { input?: string; env?: Record<string, string> } = {},
) => {
  const result = simulate(["--json", ...args], options)
  assert.strictEqual(result.status, 0, result.stderr)
  return JSON.parse(result.stdout) as Report
}

const app = "/opt/backup-integrator-charm/backup-integrator"
const tools = (step: Step | undefined) => step?.calls.map((call) => call.split(" ")[0])
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text)
  return join(dir, name)
}
/** A fileset path that holds data, as a working backup's does: the status says nothing of it. */
const dataDirectory = (name: string) => {
  mkdirSync(join(dir, name), { recursive: true })
  writeFileSync(join(dir, name, "db.dump"), "dump")
  return join(dir, name)
}
/** A time as the unit status shows it: `2026-12-07 20:49 UTC`. */
const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
type Backups = { backup: Record<string, string | Record<string, string>> }
const backups = (step: Step | undefined) => (step?.action?.results as Backups | undefined)?.backup
/** A script that says how Bacula started it, on stdout and stderr, and exits with $1's status. */
const probe = (status = 0) =>
  file(
    `probe-${status}.sh`,
    `#!/bin/sh\necho "cwd=$(pwd) umask=$(umask) args=$# stdin=$(readlink /proc/self/fd/0)"\necho "on stderr" >&2\nexit ${status}\n`,
  )

// Each test runs the charm through several hooks: a generous limit for a loaded machine.
describe("npm run simulate", { timeout: 600_000 }, () => {
  it("without --config runs the worked example on a leader, and says so", () => {
    const r = report([])
    assert.strictEqual(r.unit, "backup-integrator/0")
    assert.match(r.configSource, /^the worked example/)
    assert.deepStrictEqual(Object.keys(r.config), ["fileset", "run-before-backup", "run-after-restore"])
    const [step] = r.steps
    assert.strictEqual(step?.step, "config-changed")
    assert.strictEqual(step?.exitCode, 0)
    assert.deepStrictEqual(step?.status, { status: "active", message: "no backup yet" })
    assert.deepInclude(step?.databags["backup:1"]?.["backup-integrator"], {
      fileset: "/var/backups/postgresql",
      "run-before-backup": `${app}/scripts/run-before-backup`,
      "run-after-restore": `${app}/scripts/run-after-restore`,
    })
    assert.deepInclude(step?.files ?? [], {
      path: `${app}/scripts/run-before-backup`,
      mode: "0700",
      firstLine: "#!/usr/bin/python3 -I",
    })
    assert.deepInclude(step?.files ?? [], {
      path: `${app}/operator-scripts/run-before-backup`,
      mode: "0700",
      firstLine: "#!/bin/sh",
    })
    assert.strictEqual(tools(step)?.[0], "config-get")
    assert.includeMembers(tools(step) ?? [], ["is-leader", "relation-set", "status-set"])

    const text = simulate([])
    assert.strictEqual(text.status, 0, text.stderr)
    for (const line of [
      "configuration, the worked example (no --config given; --config replaces it):",
      "== 1. event config-changed",
      "unit status: active",
      "backup:1 databags of this charm:",
      `  0700 ${app}/scripts/run-before-backup  #!/usr/bin/python3 -I`,
    ])
      assert.include(text.stdout, line)
    assert.match(text.stdout, /\nhook-tool calls \(\d+\):\n {2}config-get --format=json\n/)
  })

  it("--config replaces the worked example, takes every option charmcraft.yaml declares, and reads @FILE", () => {
    const options = Object.keys(parse(readFileSync("charmcraft.yaml", "utf8")).config.options)
    const values: Record<string, string> = {
      fileset: "/srv/a, /srv/b",
      "script-timeout": "30m",
      "backup-max-age": "26h",
      credentials: "secret:cq1k2l3m4n5o6p7q8r9s",
      "metrics-directory": join(dir, "textfiles"),
    }
    const all = report(options.map((key) => `--config=${key}=${values[key] ?? "#!/bin/sh\necho hi\n"}`))
    assert.match(all.configSource, /^as given by --config/)
    assert.deepStrictEqual(Object.keys(all.config).sort(), [...options].sort())
    // Set, though no secret exists: the charm says so, as it would under Juju.
    assert.match(all.steps[0]?.status.message ?? "", /^cannot read the credentials secret/)

    const one = report(["--config", `fileset=@${file("fileset", "/srv/data")}`])
    assert.deepStrictEqual(one.config, { fileset: "/srv/data" })
    // Every runner is published, set or not (they stand in for bacula-fd's no-op).
    assert.deepStrictEqual(one.steps[0]?.databags["backup:1"]?.["backup-integrator"], {
      fileset: "/srv/data",
      ...Object.fromEntries(scriptOptions.map((option) => [option, `${app}/scripts/${option}`])),
    })

    // As `npm run simulate` runs it from the project: INIT_CWD is where npm was run.
    file("script.sh", "#!/bin/sh\necho done\n")
    const relative = report(["--config", "fileset=/srv", "--config", "run-after-backup=@script.sh"], {
      env: { INIT_CWD: dir },
    })
    assert.strictEqual(relative.config["run-after-backup"], "#!/bin/sh\necho done\n")
    const piped = report(["--config", "fileset=/srv", "--config", "run-after-backup=@-"], {
      input: "#!/bin/sh\necho piped\n",
    })
    assert.strictEqual(piped.config["run-after-backup"], "#!/bin/sh\necho piped\n")

    const blocked = report(["--config", "fileset=/srv", "--config", "run-after-backup=#!/bin/sh\r\necho\r\n"])
    assert.deepStrictEqual(blocked.steps[0]?.status, {
      status: "blocked",
      message: "invalid run-after-backup: script has Windows (CRLF) line endings",
    })
  })

  it("--secret makes a granted user secret, sets credentials to it, and never shows its values", () => {
    const args = [
      "--config",
      "fileset=/srv",
      "--config",
      `run-before-backup=@${file("creds.sh", '#!/bin/sh\necho "got $(cat "$CREDENTIALS_DIRECTORY/password")"\n')}`,
      "--secret",
      "password=hunter2-s3cret",
      "--secret",
      "user=backup",
    ]
    const r = report(args)
    assert.deepStrictEqual(r.secret, ["password", "user"])
    assert.strictEqual(r.config.credentials, "secret:cq1k2l3m4n5o6p7q8r9s")
    const [step] = r.steps
    assert.deepStrictEqual(step?.status, { status: "active", message: "no backup yet" })
    assert.include(step?.calls ?? [], "secret-get secret:cq1k2l3m4n5o6p7q8r9s --format=json")
    assert.deepInclude(step?.files ?? [], {
      path: `${app}/credentials/password`,
      mode: "0400",
      firstLine: "(a credential: not shown)",
    })
    for (const output of [JSON.stringify(r), simulate(args).stdout])
      assert.notInclude(output, "hunter2-s3cret")
  })

  it("--action runs a declared action with its parameters, as juju run does, and shows its results", () => {
    const r = report([
      "--config",
      "fileset=/srv",
      "--config",
      `run-before-backup=@${probe(0)}`,
      "--config",
      `run-after-backup=@${probe(3)}`,
      "--action",
      "run-script",
      "name=run-before-backup",
      "--action",
      "run-script",
      "name=run-after-backup",
      "--action",
      "show-runs",
    ])
    assert.deepStrictEqual(
      r.steps.map((s) => s.step),
      [
        "config-changed",
        "run-script name=run-before-backup",
        "run-script name=run-after-backup",
        "show-runs",
      ],
    )
    const [, ok, failed, shown] = r.steps
    assert.strictEqual(ok?.action?.status, "completed")
    assert.strictEqual(ok?.action?.results.result, "exit status 0")
    assert.deepStrictEqual(ok?.action?.logs, ["running run-before-backup as Bacula runs it"])
    assert.strictEqual(tools(ok)?.[0], "action-get")
    assert.deepInclude(failed?.action, {
      status: "failed",
      message: "run-after-backup failed: exit status 3",
    })
    assert.match(failed?.status.message ?? "", /^run-after-backup failed \(exit status 3\)/)
    assert.strictEqual(shown?.action?.status, "completed")
    assert.hasAllKeys(shown?.action?.results, ["run-before-backup", "run-after-backup"])
    assert.isTrue(failed?.files.some((f) => f.path.startsWith(`${app}/runs/run-after-backup/`)))

    const text = simulate(["--no-relation", "--action", "show-runs"])
    assert.strictEqual(text.status, 0, text.stderr)
    assert.include(text.stdout, "== 2. action show-runs\nexit code: 0\naction: completed\naction results:\n")
  })

  it("--bacula-job starts the before-script as bacula-fd does, then the after-script only if it succeeded", () => {
    const config = ["--config", "fileset=/srv", "--config", `run-after-backup=@${probe(0)}`]
    const ok = report([...config, "--config", `run-before-backup=@${probe(0)}`, "--bacula-job", "backup"])
    const job = ok.steps[1]
    assert.strictEqual(job?.kind, "bacula-job")
    assert.notProperty(job, "exitCode")
    assert.deepStrictEqual(job?.calls, [])
    assert.strictEqual(job?.job?.outcome, "OK (status T)")
    assert.deepStrictEqual(
      job?.job?.runs.map((run) => [run.option, run.path, run.exitStatus]),
      [
        ["run-before-backup", `${app}/scripts/run-before-backup`, 0],
        ["run-after-backup", `${app}/scripts/run-after-backup`, 0],
      ],
    )
    // execvp with no argument, in /, stdin /dev/null, umask 022; stdout and stderr in one pipe.
    assert.sameMembers(job?.job?.runs[0]?.messages ?? [], [
      "ClientBeforeJob: cwd=/ umask=0022 args=0 stdin=/dev/null",
      "ClientBeforeJob: on stderr",
    ])
    assert.sameMembers(job?.job?.runs[1]?.messages ?? [], [
      "ClientAfterJob: cwd=/ umask=0022 args=0 stdin=/dev/null",
      "ClientAfterJob: on stderr",
    ])

    const failing = report([
      ...config,
      "--config",
      `run-before-backup=@${probe(2)}`,
      "--bacula-job",
      "backup",
      "--then",
      "update-status",
      "--bacula-job",
      "restore",
    ])
    const [, failed, after, restore] = failing.steps
    assert.deepStrictEqual(
      failed?.job?.runs.map((run) => [run.option, run.exitStatus]),
      [["run-before-backup", 2]],
    )
    assert.match(failed?.job?.outcome ?? "", /^failed/)
    assert.deepStrictEqual(failed?.status, failing.steps[0]?.status, "a job runs no hook")
    assert.match(after?.status.message ?? "", /^run-before-backup failed \(exit status 2\)/)
    assert.deepStrictEqual(tools(after), ["status-set"])
    // No restore script is set: bacula-fd runs nothing (or a runner with nothing to run), and the job is OK.
    assert.deepStrictEqual(
      restore?.job?.runs.map((run) => [run.option, run.exitStatus, run.messages]),
      [
        ["run-before-restore", 0, []],
        ["run-after-restore", 0, []],
      ],
    )
    assert.strictEqual(restore?.job?.outcome, "OK (status T)")

    const text = simulate([...config, "--config", `run-before-backup=@${probe(2)}`, "--bacula-job", "backup"])
    assert.strictEqual(text.status, 0, text.stderr)
    assert.include(
      text.stdout,
      `== 2. Bacula job backup\nrun-before-backup: ${app}/scripts/run-before-backup  exit status 2\n`,
    )
    // The status the failure leads to is the next hook's, and the output says so.
    assert.include(
      text.stdout,
      '\nunit status: active "no backup yet" (a job runs no hook: what it changed shows at the unit\'s next hook, e.g. --then update-status)\n',
    )
  })

  it("--bacula-job backup:fail: Bacula fails the job after the before-script succeeded, runs no after-script, and the unit waits for its result until it is due", () => {
    const r = report([
      "--config",
      `fileset=${dataDirectory("data")}`,
      "--config",
      `run-before-backup=@${probe(0)}`,
      "--config",
      `run-after-backup=@${probe(0)}`,
      "--bacula-job",
      "backup:fail",
      "--then",
      "update-status",
      "--action",
      "show-backups",
      "--bacula-job",
      "backup",
      "--action",
      "show-backups",
    ])
    const [first, failed, after, shown, next, shownNext] = r.steps
    assert.strictEqual(failed?.step, "backup:fail")
    assert.deepStrictEqual(
      failed?.job?.runs.map((run) => [run.option, run.exitStatus]),
      [["run-before-backup", 0]],
    )
    assert.match(
      failed?.job?.outcome ?? "",
      /^failed \(status f\): Bacula failed the backup after the before-script/,
    )
    // A Bacula-side failure leaves the unit active: no script failed.
    assert.deepStrictEqual(after?.status, first?.status)
    assert.deepInclude(backups(shown), { succeeded: "0", failed: "0", "last-success": "none yet" })
    assert.deepInclude(backups(shown)?.["job-1"] as Record<string, string>, {
      outcome: "running",
      "run-after-backup": "did not run",
    })
    assert.match(
      (backups(shown)?.["job-1"] as Record<string, string> | undefined)?.["run-before-backup"] ?? "",
      /^exit status 0 in /,
    )
    // The next job ends itself, not the one that waits: that one has its result due (12h
    // before any success), when the status says it had none.
    assert.strictEqual(next?.job?.outcome, "OK (status T)")
    assert.deepInclude(backups(shownNext), { succeeded: "1", failed: "0" })
    const waiting = backups(shownNext)?.["job-2"] as Record<string, string> | undefined
    assert.strictEqual(waiting?.outcome, "running")
    assert.isString(waiting?.["result-due"])
  })

  it("--later: a backup Bacula failed after its before-script is blocked once its result is due, as the on-call sees it", () => {
    const args = [
      "--config",
      `fileset=${dataDirectory("data")}`,
      "--config",
      `run-before-backup=@${probe(0)}`,
      "--bacula-job",
      "backup:fail",
      "--then",
      "update-status",
      "--later",
      "13h",
      "--then",
      "update-status",
      "--action",
      "show-backups",
    ]
    const r = report(args)
    assert.deepStrictEqual(
      r.steps.map((s) => [s.kind, s.step]),
      [
        ["event", "config-changed"],
        ["bacula-job", "backup:fail"],
        ["event", "update-status"],
        ["later", "13h"],
        ["event", "update-status"],
        ["action", "show-backups"],
      ],
    )
    const [first, , inTime, later, late, shown] = r.steps
    // Before its due the unit waits for the job's result: nothing is wrong yet.
    assert.deepStrictEqual(inTime?.status, first?.status)
    assert.strictEqual(later?.clockAhead, "13h")
    assert.deepStrictEqual(later?.status, first?.status, "time passing runs no hook")
    assert.deepStrictEqual(later?.calls, [])
    const job = backups(shown)?.["job-1"] as Record<string, string> | undefined
    assert.strictEqual(job?.outcome, "running")
    assert.deepStrictEqual(late?.status, {
      status: "blocked",
      message: `no result from the backup started ${minute(job?.started ?? "")}, due ${minute(job?.["result-due"] ?? "")}; see action show-backups`,
    })
    assert.deepStrictEqual(tools(late), ["status-set"])

    const text = simulate(args)
    assert.strictEqual(text.status, 0, text.stderr)
    assert.include(
      text.stdout,
      "\n== 4. later 13h\nthe machine's clock is now 13h ahead (libfaketime; the monotonic clock is not moved): every later hook, action and Bacula job runs at that time\nunit status: active \"no backup yet\" (time passing runs no hook: what it changes shows at the unit's next hook, e.g. --then update-status)\ndatabags: unchanged\nfiles: unchanged\n",
    )
    assert.include(
      text.stdout,
      `\n== 5. event update-status\nexit code: 0\nunit status: blocked "no result from the backup started `,
    )
  })

  it("--later adds up: a backup older than backup-max-age is overdue once the clock has passed it, not before", () => {
    const r = report([
      "--config",
      `fileset=${dataDirectory("data")}`,
      "--config",
      "backup-max-age=1d",
      "--config",
      `run-before-backup=@${probe(0)}`,
      "--bacula-job",
      "backup",
      "--later",
      "12h",
      "--then",
      "update-status",
      "--later",
      "1d12h",
      "--then",
      "update-status",
      "--action",
      "show-backups",
    ])
    const [, , halfDay, inTime, twoDays, overdue, shown] = r.steps
    assert.deepStrictEqual([halfDay?.clockAhead, twoDays?.clockAhead], ["12h", "48h"])
    const lastSuccess = minute(String(backups(shown)?.["last-success"]))
    assert.deepStrictEqual(inTime?.status, { status: "active", message: `last backup ${lastSuccess}` })
    assert.deepStrictEqual(overdue?.status, {
      status: "blocked",
      message: `no successful backup since ${lastSuccess} (backup-max-age 24h)`,
    })
  })

  it("--later without libfaketime (a fresh clone, before npm test) says how to fetch it, before anything runs", () => {
    const project = mkdtempSync(join(dir, "clone-"))
    copyProject(project)
    symlinkSync(join(process.cwd(), "node_modules"), join(project, "node_modules"))
    const result = spawnSync(process.execPath, ["scripts/simulate.ts", "--later", "13h"], {
      cwd: project,
      encoding: "utf8",
    })
    assert.strictEqual(result.status, 2)
    assert.strictEqual(result.stdout, "")
    assert.strictEqual(
      result.stderr.split("\n")[0],
      "--later: libfaketime is missing: run `bash scripts/fetch-faketime.sh` first",
    )
  })

  it("--then runs later hooks on the same machine: update-status with nothing changed makes no call", () => {
    const r = report([
      "--then",
      "update-status",
      "--then",
      "backup-relation-broken",
      "--then",
      "update-status",
    ])
    assert.deepStrictEqual(
      r.steps.map((s) => s.step),
      ["config-changed", "update-status", "backup-relation-broken", "update-status"],
    )
    const [first, quiet, broken] = r.steps
    assert.deepStrictEqual(quiet?.calls, [])
    assert.deepStrictEqual(quiet?.status, first?.status)
    assert.deepStrictEqual(quiet?.files, first?.files)
    assert.deepStrictEqual(broken?.databags, {})
    assert.deepStrictEqual(broken?.status, { status: "waiting", message: "waiting for backup relation" })

    // From a blank machine update-status reconciles, and the output says why.
    const blank = simulate(["--event", "update-status"])
    assert.strictEqual(blank.status, 0, blank.stderr)
    assert.include(blank.stdout, "note: Juju runs install and config-changed before any update-status")
    const text = simulate(["--then", "update-status"])
    assert.include(
      text.stdout,
      '== 2. event update-status\nexit code: 0\nunit status: active "no backup yet" (unchanged)\ndatabags: unchanged\nfiles: unchanged\nhook-tool calls (0):\n',
    )
  })

  it("--follower, --relations, --no-relation, --relate and --event choose the unit, its relations and its first hook", () => {
    const follower = report(["--follower", "--relations", "2"])
    assert.strictEqual(follower.unit, "backup-integrator/1")
    assert.isFalse(follower.leader)
    assert.deepStrictEqual(follower.steps[0]?.databags, { "backup:1": {}, "backup:2": {} })
    assert.deepStrictEqual(follower.steps[0]?.status, { status: "active", message: "no backup yet" })
    assert.strictEqual(follower.steps[0]?.calls.length, 4)

    const alone = report(["--no-relation", "--event", "install"])
    assert.deepStrictEqual(alone.relations, {})
    assert.strictEqual(alone.steps[0]?.step, "install")
    assert.deepStrictEqual(alone.steps[0]?.status, {
      status: "waiting",
      message: "waiting for backup relation",
    })

    const related = report(["--relations", "0", "--relate", "backup=bacula-fd-dr"])
    assert.deepStrictEqual(related.relations, {
      "backup:1": {
        endpoint: "backup",
        remoteApp: "bacula-fd-dr",
        remoteUnits: ["bacula-fd-dr/0"],
        data: {},
      },
    } as never)
    assert.includeMembers(Object.keys(related.steps[0]?.databags["backup:1"]?.["backup-integrator"] ?? {}), [
      "fileset",
      "run-before-backup",
      "run-after-restore",
    ])

    const removed = report(["--then", "remove"])
    assert.deepStrictEqual(removed.steps[1]?.files, [])
    assert.deepStrictEqual(removed.steps[1]?.calls, [])
  })

  it("--help explains every flag with an example", () => {
    const help = simulate(["--help"])
    assert.strictEqual(help.status, 0)
    assert.strictEqual(help.stderr, "")
    const flags = [...help.stdout.matchAll(/^ {2}--([a-z-]+)/gm)].map((m) => m[1])
    assert.includeMembers(flags, [
      "event",
      "then",
      "action",
      "bacula-job",
      "config",
      "secret",
      "follower",
      "relations",
      "no-relation",
      "relate",
      "later",
      "json",
    ])
    for (const flag of flags.filter((f) => f !== "help")) {
      const section = help.stdout.split(`\n  --${flag}`)[1]?.split("\n  --")[0] ?? ""
      assert.match(section, new RegExp(`\\n {6}e\\.g\\. .*--${flag}\\b`), flag)
    }
    // What the charm declares, read from charmcraft.yaml.
    assert.include(help.stdout, "Actions: run-script, show-runs, show-backups")
    assert.include(help.stdout, "script-timeout, backup-max-age, credentials")
  })

  it("every --help example runs as printed (npm run's build left out)", () => {
    const help = simulate(["--help"]).stdout
    const examples = (help.split("\nexamples:\n")[1] ?? "")
      .trimEnd()
      .split(/\n(?= {2}\S)/)
      .map((example) => example.trim())
    assert.isAtLeast(examples.length, 8)
    // `npm run simulate` builds first: the build is the suite's, so the example runs the script it then runs.
    const node = `"${process.execPath}" scripts/simulate.ts`
    const tmp = mkdtempSync(join(dir, "examples-"))
    for (const example of examples) {
      const command = example.replaceAll("npm run simulate --", node).replaceAll("npm run simulate", node)
      const result = spawnSync("bash", ["-c", command], {
        encoding: "utf8",
        env: { ...process.env, TMPDIR: tmp },
      })
      assert.strictEqual(result.status, 0, `${example}\n${result.stderr}`)
      assert.strictEqual(result.stderr, "", example)
    }
  })

  it("--config metrics-directory=DIR writes the real metrics file into DIR", () => {
    const metrics = mkdtempSync(join(dir, "metrics-"))
    report(["--config", "fileset=/srv", "--config", `metrics-directory=${metrics}`])
    assert.match(
      readFileSync(join(metrics, "backup-integrator-backup-integrator.prom"), "utf8"),
      /^backup_integrator_last_success_timestamp_seconds\{application="backup-integrator".*\} 0$/m,
    )
  })

  for (const [args, problem] of [
    [["--bogus"], "unknown flag: --bogus"],
    [["--json=yes"], "--json takes no value: --json=yes"],
    [["--event"], "--event needs a value"],
    [["--event", "install", "--event", "start"], "--event is given more than once"],
    [["extra"], "unexpected argument: extra (an action's KEY=VALUE parameters follow --action NAME)"],
    [["--relations", "x"], "--relations: expected a number of backup relations from 0 to 50, not x"],
    [["--relations", "-1"], "--relations: expected a number of backup relations from 0 to 50, not -1"],
    [["--relations", "51"], "--relations: expected a number of backup relations from 0 to 50, not 51"],
    [["--relations", "1", "--no-relation"], "--relations and --no-relation exclude each other"],
    [
      ["--relate", "nosuch=app"],
      "--relate: nosuch is not an endpoint of the charm (backup, juju-info, cos-agent)",
    ],
    [["--relate", "backup=Bad_App"], "--relate backup: not an application name: Bad_App"],
    [["--config", "nosuch=1"], "--config: nosuch is not an option of the charm ("],
    [["--config", "fileset"], "--config: expected KEY=VALUE, not fileset"],
    [["--config", "fileset=@/no/such/file"], "--config fileset: cannot read /no/such/file"],
    [["--secret", "password"], "--secret: expected KEY=VALUE, not password"],
    [
      ["--secret", "a=b", "--config", "credentials=secret:x"],
      "--secret sets credentials to its URI: give --secret or --config credentials=..., not both",
    ],
    [["--event", "run-script"], "--event: run-script is an action, not an event: use --action run-script"],
    [["--event", "nosuch"], "--event: not an event Juju sends this charm: nosuch"],
    [["--then", "secret-changed"], "--then secret-changed: there is no secret (see --secret)"],
    [
      ["--no-relation", "--then", "backup-relation-changed"],
      "--then backup-relation-changed: there is no backup relation (see --relations, --relate)",
    ],
    [
      ["--action", "do-backup"],
      '--action do-backup: ERROR action "do-backup" not defined on unit "backup-integrator/0"',
    ],
    [
      ["--action", "run-script"],
      "--action run-script: needs name=<one of run-before-backup, run-after-backup, run-before-restore, run-after-restore>, e.g. --action run-script name=run-before-backup",
    ],
    [
      ["--action", "run-script", "name=rm"],
      "--action run-script: name must be one of run-before-backup, run-after-backup, run-before-restore, run-after-restore, not rm",
    ],
    [["--action", "show-runs", "verbose=true"], "--action show-runs: takes no parameter, not verbose"],
    [
      ["--action", "run-script", "name=run-before-backup", "force=1"],
      "--action run-script: takes only name, not force",
    ],
    [
      ["--bacula-job", "nightly"],
      "--bacula-job: expected backup or restore, or either with :fail, not nightly",
    ],
    [
      ["--bacula-job", "backup:later"],
      "--bacula-job: expected backup or restore, or either with :fail, not backup:later",
    ],
    [["--later", "13x"], "--later: expected a duration such as 30m, 1h30m or 90s, not 13x"],
    [["--later", "0s"], "--later: must be longer than 0s, not 0s"],
    [["--later", "367d"], "--later: longer than 366 days, not 367d"],
    [
      ["--bacula-job", "backup"],
      "--bacula-job runs the scripts on this machine: give your own with --config (the worked example's would run pg_dump here)",
    ],
    [
      ["--action", "run-script", "name=run-before-backup"],
      "--action run-script runs the scripts on this machine: give your own with --config (the worked example's would run pg_dump here)",
    ],
  ] as const) {
    it(`refuses ${args.join(" ")}: one line naming it, the usage, exit 2`, () => {
      const result = simulate(args)
      assert.strictEqual(result.status, 2)
      assert.strictEqual(result.stdout, "")
      const lines = result.stderr.split("\n")
      assert.strictEqual(lines.length, 3, result.stderr)
      assert.include(lines[0], problem)
      assert.notMatch(lines[0] ?? "", /\(root\)|validation failed/)
      assert.match(
        lines[1] ?? "",
        /^usage: npm run simulate -- \[--event EVENT\] .* \(--help explains each flag\)$/,
      )
      assert.strictEqual(lines[2], "")
    })
  }
})
