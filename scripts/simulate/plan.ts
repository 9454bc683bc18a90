// What `npm run simulate` is asked to do, from its command line: the unit, its configuration
// and secret, its relations, and the steps to run in order. Every mistake is a UsageError,
// found before anything runs.
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import * as Result from "effect/Result"
import { parse } from "yaml"
import { maxBackupMaxAge } from "../../src/domain/backup-max-age.ts"
import { parseDuration } from "../../src/domain/duration.ts"
import { actionRefusal } from "../../test/emulator/action-params.ts"
import type { Relation } from "../../test/emulator/state.ts"
import { type Argument, flagValue, flagValues, hasFlag, UsageError } from "../command-line.ts"
import { faketimeMissing } from "../faketime.ts"
import { type CharmDeclarations, eventsOf, relationEventOf } from "./charm-declarations.ts"
import { paramProblem } from "./param-problem.ts"

/** The worked example (README's): a PostgreSQL dump before each backup, loaded back after a restore. */
const workedExample: Readonly<Record<string, string>> = {
  fileset: "/var/backups/postgresql",
  "run-before-backup":
    "#!/bin/sh\nset -e\nmkdir -p /var/backups/postgresql\nsudo -u postgres pg_dump --format=custom mydb > /var/backups/postgresql/mydb.dump\n",
  "run-after-restore":
    "#!/bin/sh\nset -e\nsudo -u postgres pg_restore --clean --if-exists --dbname=mydb /var/backups/postgresql/mydb.dump\n",
}

/** The URI of the secret `--secret` creates, as `juju add-secret` would print it. */
export const secretUri = "secret:cq1k2l3m4n5o6p7q8r9s"

const baculaJobs = ["backup", "restore"] as const
export type BaculaJob = (typeof baculaJobs)[number]

/** `--bacula-job backup`, or `backup:fail`: Bacula fails the job after its before-script. */
export interface BaculaJobStep {
  readonly kind: "bacula-job"
  readonly name: BaculaJob
  readonly baculaFails: boolean
}

/** `--later 13h`: the machine's clock moves ahead by `seconds`, as given (`name`). */
export interface LaterStep {
  readonly kind: "later"
  readonly name: string
  readonly seconds: number
}

export type Step =
  | { readonly kind: "event"; readonly name: string }
  | { readonly kind: "action"; readonly name: string; readonly params: Record<string, unknown> }
  | BaculaJobStep
  | LaterStep

export interface Plan {
  readonly unit: string
  readonly leader: boolean
  readonly config: Record<string, string>
  /** Where the configuration came from, as the output says it. */
  readonly configSource: string
  /** The user secret `--secret` made, granted to the application: its keys and values. */
  readonly secret: Record<string, string> | undefined
  readonly relations: Record<string, Relation>
  readonly steps: ReadonlyArray<Step>
  readonly json: boolean
}

/** KEY=VALUE, or KEY=@FILE read from the directory `npm` was run in, or KEY=@- from stdin. */
const setting = (flag: string, text: string, fromFile: boolean): [string, string] => {
  const at = text.indexOf("=")
  if (at <= 0) throw new UsageError(`${flag}: expected KEY=VALUE, not ${text}`)
  const key = text.slice(0, at)
  const value = text.slice(at + 1)
  if (!fromFile || !value.startsWith("@")) return [key, value]
  // `npm run` runs this in the project's root: a file is named from where npm was run.
  const file = value === "@-" ? 0 : resolve(process.env.INIT_CWD ?? process.cwd(), value.slice(1))
  try {
    return [key, readFileSync(file, "utf8")]
  } catch {
    throw new UsageError(`${flag} ${key}: cannot read ${value.slice(1)}`)
  }
}

const configOf = (charm: CharmDeclarations, args: ReadonlyArray<Argument>) => {
  const given = flagValues(args, "config").map((text) => setting("--config", text, true))
  for (const [key] of given) {
    const option = charm.options[key]
    if (option === undefined)
      throw new UsageError(
        `--config: ${key} is not an option of the charm (${Object.keys(charm.options).join(", ")})`,
      )
    // Juju hands string and secret options to config-get as strings: the emulator holds those.
    if (!["string", "secret"].includes(option.type))
      throw new UsageError(`--config ${key}: options of type ${option.type} are not simulated`)
  }
  const defaults = Object.entries(charm.options).flatMap(([key, option]) =>
    option.default === undefined ? [] : [[key, String(option.default)] as const],
  )
  const config = {
    ...Object.fromEntries(defaults),
    ...(given.length ? {} : workedExample),
    ...Object.fromEntries(given),
  }
  const secret = flagValues(args, "secret").map((text) => setting("--secret", text, false))
  if (secret.length && given.some(([key]) => key === "credentials"))
    throw new UsageError(
      "--secret sets credentials to its URI: give --secret or --config credentials=..., not both",
    )
  return {
    config: secret.length ? { ...config, credentials: secretUri } : config,
    configSource: given.length
      ? "as given by --config (the worked example is used only without --config)"
      : "the worked example (no --config given; --config replaces it)",
    secret: secret.length ? Object.fromEntries(secret) : undefined,
  }
}

const relationsOf = (charm: CharmDeclarations, args: ReadonlyArray<Argument>) => {
  const count = flagValue(args, "relations")
  if (count !== undefined && hasFlag(args, "no-relation"))
    throw new UsageError("--relations and --no-relation exclude each other")
  const backups = hasFlag(args, "no-relation") ? 0 : Number(count ?? 1)
  if (!/^\d+$/.test(count ?? "1") || backups > 50)
    throw new UsageError(`--relations: expected a number of backup relations from 0 to 50, not ${count}`)
  const relations: Record<string, Relation> = {}
  let id = 0
  for (let n = 0; n < backups; n++)
    relations[`backup:${++id}`] = {
      endpoint: "backup",
      remoteApp: "bacula-fd",
      remoteUnits: [`bacula-fd/${n}`],
      data: {},
    }
  for (const text of flagValues(args, "relate")) {
    const [endpoint, app] = setting("--relate", text, false)
    if (charm.endpoints[endpoint] === undefined)
      throw new UsageError(
        `--relate: ${endpoint} is not an endpoint of the charm (${Object.keys(charm.endpoints).join(", ")})`,
      )
    if (!/^[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*$/.test(app))
      throw new UsageError(`--relate ${endpoint}: not an application name: ${app}`)
    relations[`${endpoint}:${++id}`] = { endpoint, remoteApp: app, remoteUnits: [`${app}/0`], data: {} }
  }
  return relations
}

/** An event Juju would send this charm, with what it needs (a relation, a secret). */
const checkEvent = (
  charm: CharmDeclarations,
  flag: string,
  name: string,
  relations: Record<string, Relation>,
  secret: unknown,
) => {
  if (charm.actions[name] !== undefined)
    throw new UsageError(`${flag}: ${name} is an action, not an event: use --action ${name}`)
  if (!eventsOf(charm).includes(name))
    throw new UsageError(`${flag}: not an event Juju sends this charm: ${name}`)
  const relation = relationEventOf(charm, name)
  if (relation !== undefined && !Object.values(relations).some((r) => r.endpoint === relation.endpoint))
    throw new UsageError(
      `${flag} ${name}: there is no ${relation.endpoint} relation (see --relations, --relate)`,
    )
  if (name.startsWith("secret-") && secret === undefined)
    throw new UsageError(`${flag} ${name}: there is no secret (see --secret)`)
  return { kind: "event", name } as const
}

/** `--later DURATION`, read as the charm reads its duration options. */
const laterStep = (text: string): LaterStep => {
  // backup-max-age's limit: no duration the charm reads is longer, so no longer wait shows more.
  const parsed = parseDuration(text, maxBackupMaxAge, "366 days")
  // Blank is an option unset to the charm; here it is no duration.
  const seconds = Result.isSuccess(parsed) ? parsed.success : undefined
  if (seconds === undefined)
    throw new UsageError(
      `--later: ${Result.isFailure(parsed) ? parsed.failure : "expected a duration such as 30m, 1h30m or 90s"}, not ${text}`,
    )
  return { kind: "later", name: text, seconds }
}

/** `--action NAME KEY=VALUE...`: values are YAML, as `juju run` reads them. */
const actionStep = (charm: CharmDeclarations, unit: string, name: string, params: ReadonlyArray<string>) => {
  const parsed = Object.fromEntries(
    params.map((text) => {
      const [key, value] = setting(`--action ${name}`, text, false)
      return [key, parse(value) ?? value]
    }),
  )
  const declared = charm.actions[name]
  const refusal =
    (declared && paramProblem(name, declared, parsed)) ?? actionRefusal(charm.actions, unit, name, parsed)
  if (refusal !== undefined) throw new UsageError(`--action ${name}: ${refusal}`)
  return { kind: "action", name, params: parsed } as const
}

export const planOf = (charm: CharmDeclarations, args: ReadonlyArray<Argument>): Plan => {
  const leader = !hasFlag(args, "follower")
  const unit = `${charm.name}/${leader ? 0 : 1}`
  const { config, configSource, secret } = configOf(charm, args)
  const relations = relationsOf(charm, args)
  const first = checkEvent(charm, "--event", flagValue(args, "event") ?? "config-changed", relations, secret)
  const steps: Array<Step> = [first]
  // The steps after the first, in command-line order; an action's parameters follow its name.
  let action: { name: string; params: Array<string> } | undefined
  const endAction = () => {
    if (action !== undefined) steps.push(actionStep(charm, unit, action.name, action.params))
    action = undefined
  }
  for (const arg of args) {
    if ("positional" in arg) {
      if (action === undefined)
        throw new UsageError(
          `unexpected argument: ${arg.positional} (an action's KEY=VALUE parameters follow --action NAME)`,
        )
      action.params.push(arg.positional)
      continue
    }
    if (["then", "action", "bacula-job", "later"].includes(arg.flag)) endAction()
    const value = arg.value as string
    if (arg.flag === "then") steps.push(checkEvent(charm, "--then", value, relations, secret))
    if (arg.flag === "action") action = { name: value, params: [] }
    if (arg.flag === "bacula-job") {
      const [name = "", fails] = value.split(/:(?=fail$)/)
      if (!(baculaJobs as ReadonlyArray<string>).includes(name))
        throw new UsageError(`--bacula-job: expected backup or restore, or either with :fail, not ${value}`)
      steps.push({ kind: "bacula-job", name: name as BaculaJob, baculaFails: fails !== undefined })
    }
    if (arg.flag === "later") steps.push(laterStep(value))
  }
  endAction()
  const missing = steps.some((step) => step.kind === "later") ? faketimeMissing() : undefined
  if (missing !== undefined) throw new UsageError(`--later: ${missing}`)
  // They run the scripts for real, as the user running this: never the worked example's.
  const runsScripts = steps.find(
    (step) => step.kind === "bacula-job" || (step.kind === "action" && step.name === "run-script"),
  )
  if (runsScripts !== undefined && !hasFlag(args, "config"))
    throw new UsageError(
      `${runsScripts.kind === "bacula-job" ? "--bacula-job" : "--action run-script"} runs the scripts on this machine: give your own with --config (the worked example's would run pg_dump here)`,
    )
  return { unit, leader, config, configSource, secret, relations, steps, json: hasFlag(args, "json") }
}
