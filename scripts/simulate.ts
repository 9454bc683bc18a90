// `npm run simulate`: one event of the packed charm against the hook-tool emulator, and
// what Juju would show: unit status, `backup` databags, script files, hook-tool calls.
import { spawnSync } from "node:child_process"
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { appBag, initialState, settleHook, writeState } from "../test/emulator/state.ts"
import { jujuEnv } from "../test/support/juju-env.ts"
import { charmDir } from "./charm-layout.ts"

const usage =
  "usage: npm run simulate -- [--event NAME] [--follower] [--config KEY=VALUE|KEY=@FILE]... [--relations N | --no-relation] [--json]"
const options = [
  "fileset",
  "run-before-backup",
  "run-after-backup",
  "run-before-restore",
  "run-after-restore",
]

/** The worked example: a PostgreSQL dump before each backup, loaded back after a restore. */
const example: Record<string, string> = {
  fileset: "/var/backups/postgresql",
  "run-before-backup":
    "#!/bin/sh\nset -e\nmkdir -p /var/backups/postgresql\nsudo -u postgres pg_dump --format=custom mydb > /var/backups/postgresql/mydb.dump\n",
  "run-after-restore":
    "#!/bin/sh\nset -e\nsudo -u postgres pg_restore --clean --if-exists --dbname=mydb /var/backups/postgresql/mydb.dump\n",
}

class UsageError extends Error {}

const parse = () => {
  const { values } = parseArgs({
    options: {
      event: { type: "string", default: "config-changed" },
      follower: { type: "boolean", default: false },
      config: { type: "string", multiple: true, default: [] },
      relations: { type: "string" },
      "no-relation": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  if (!/^[a-z][a-z0-9-]*$/.test(values.event))
    throw new UsageError(`--event: not an event name: ${values.event}`)
  if (values.relations !== undefined && values["no-relation"])
    throw new UsageError("--relations and --no-relation exclude each other")
  const relations = values["no-relation"] ? 0 : Number(values.relations ?? 1)
  if (!Number.isInteger(relations) || relations < 0 || relations > 50)
    throw new UsageError(`--relations: not a number from 0 to 50: ${values.relations}`)
  const config = { ...example }
  for (const setting of values.config) {
    const at = setting.indexOf("=")
    const key = setting.slice(0, at)
    if (at < 0 || !options.includes(key))
      throw new UsageError(`--config: expected one of ${options.join(", ")}, then =VALUE: ${setting}`)
    const value = setting.slice(at + 1)
    try {
      // `npm run` runs this in the project's root: a file is read from where npm was run.
      const file = resolve(process.env.INIT_CWD ?? process.cwd(), value.slice(1))
      config[key] = value.startsWith("@") ? readFileSync(file, "utf8") : value
    } catch {
      throw new UsageError(`--config ${key}: cannot read ${value.slice(1)}`)
    }
  }
  return { event: values.event, leader: !values.follower, config, relations, json: values.json }
}

const run = ({ event, leader, config, relations, json }: ReturnType<typeof parse>) => {
  const work = mkdtempSync(join(tmpdir(), "backup-integrator-simulate-"))
  try {
    const opt = join(work, "opt")
    const stateFile = join(work, "state.json")
    const ids = Array.from({ length: relations }, (_, i) => `backup:${i + 1}`)
    writeState(
      stateFile,
      initialState({
        leader,
        config,
        relations: Object.fromEntries(
          ids.map((id, i) => [
            id,
            { endpoint: "backup", remoteApp: "bacula-fd", remoteUnits: [`bacula-fd/${i}`], data: {} },
          ]),
        ),
      }),
    )
    const unit = `backup-integrator/${leader ? 0 : 1}`
    const result = spawnSync(resolve(charmDir, "dispatch"), [], {
      cwd: resolve(charmDir),
      encoding: "utf8",
      env: jujuEnv({
        event,
        unitName: unit,
        charm: resolve(charmDir),
        stateFile,
        optDir: opt,
        ...(event.startsWith("backup-relation-") && ids[0] !== undefined
          ? {
              relation: { id: ids[0], endpoint: "backup", remoteApp: "bacula-fd", remoteUnit: "bacula-fd/0" },
            }
          : {}),
      }),
    })
    const state = settleHook(stateFile, result.status)
    // Shown as they would be on a machine: the temporary root stands for /opt.
    const onMachine = (text: string) => text.replaceAll(opt, "/opt")
    // The runners at the published paths, and the operator's scripts they run.
    const appDir = join(opt, "backup-integrator-charm", "backup-integrator")
    const scripts = ["scripts", "operator-scripts"]
      .flatMap((under) => {
        const dir = join(appDir, under)
        return lstatSync(dir, { throwIfNoEntry: false })
          ? readdirSync(dir)
              .sort()
              .map((name) => join(dir, name))
          : []
      })
      .map((path) => {
        return {
          path: onMachine(path),
          mode: (lstatSync(path).mode & 0o7777).toString(8).padStart(4, "0"),
          firstLine: readFileSync(path, "utf8").split("\n")[0] ?? "",
        }
      })
    const report = {
      event,
      unit,
      leader,
      exitCode: result.status,
      stderr: result.stderr.trim(),
      status: state.status,
      databags: Object.fromEntries(
        ids.map((id) => [id, JSON.parse(onMachine(JSON.stringify(appBag(state, id) ?? {})))]),
      ),
      scripts,
      calls: state.calls.map((call) =>
        onMachine(
          call
            .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`))
            .join(" "),
        ),
      ),
      logs: state.logs.map(({ level, message }) => `${level} ${onMachine(message)}`),
    }
    if (json) return console.log(JSON.stringify(report, null, 2))
    const lines = [
      `${event} on ${unit} (${leader ? "leader" : "follower"}), ${relations} backup relation${relations === 1 ? "" : "s"}`,
      `exit code: ${report.exitCode}${report.stderr ? `  ${report.stderr}` : ""}`,
      `unit status: ${state.status.status}${state.status.message ? ` "${state.status.message}"` : ""}`,
      ...ids.flatMap((id) => [
        `${id} application databag (backup-integrator):`,
        ...(Object.keys(report.databags[id] ?? {}).length
          ? Object.entries(report.databags[id] as Record<string, string>).map(([k, v]) => `  ${k}: ${v}`)
          : ["  (empty)"]),
      ]),
      `scripts on the machine (/opt stands for ${opt}, removed after the run):`,
      ...(scripts.length ? scripts.map((s) => `  ${s.mode} ${s.path}  ${s.firstLine}`) : ["  (none)"]),
      `hook-tool calls (${report.calls.length}):`,
      ...report.calls.map((call) => `  ${call.length > 160 ? `${call.slice(0, 160)}...` : call}`),
      ...(report.logs.length ? ["juju debug-log:", ...report.logs.map((l) => `  ${l}`)] : []),
    ]
    console.log(lines.join("\n"))
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

try {
  run(parse())
} catch (error) {
  if (!(error instanceof UsageError) && !(error instanceof TypeError && "code" in error)) throw error
  console.error(`${error.message}\n${usage}`)
  process.exitCode = 2
}
