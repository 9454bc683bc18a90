// A stand-in for Juju's hook tools, strict about flags as the real ones are: each tool in
// bin/ links here and acts on the state file named by HOOK_TOOL_EMULATOR_STATE.
import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { basename } from "node:path"
import {
  actionKeyProblem,
  listedRelationIds,
  nestResults,
  notInAction,
  permissionDenied,
  restrictedContextRefusal,
  restrictedEvents,
  withChanges,
} from "./juju-rules.ts"
import { type EmulatorState, readState, stateVariable, writeState } from "./state.ts"

class ToolExit extends Error {
  readonly code: number
  readonly stderr: string
  constructor(code: number, stderr: string) {
    super(stderr)
    this.code = code
    this.stderr = stderr
  }
}

const fail = (message: string, code = 1): never => {
  throw new ToolExit(code, `ERROR ${message}\n`)
}

interface FlagSpec {
  readonly names: ReadonlyArray<string>
  readonly kind: "bool" | "value"
}
type Parsed = { flags: Map<string, string | boolean>; args: Array<string> }

/** gnuflag-style parsing: `--name=value`, `--name value`, `-n value`, `--` ends flags. */
const parseFlags = (argv: ReadonlyArray<string>, specs: Record<string, FlagSpec>): Parsed => {
  const flags = new Map<string, string | boolean>()
  const args: Array<string> = []
  const byName = new Map<string, [string, FlagSpec]>()
  for (const [key, spec] of Object.entries(specs))
    for (const name of spec.names) byName.set(name, [key, spec])
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === "--") {
      args.push(...argv.slice(i + 1))
      break
    }
    if (!arg.startsWith("-") || arg === "-") {
      args.push(arg)
      continue
    }
    const [name, inline] = arg.includes("=")
      ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
      : [arg, undefined]
    const found = byName.get(name)
    if (found === undefined) return fail(`flag provided but not defined: ${name}`, 2)
    const [key, spec] = found
    if (spec.kind === "bool") {
      // Go's strconv.ParseBool, which Juju's flags use.
      if (inline === undefined) flags.set(key, true)
      else if (["1", "t", "T", "TRUE", "true", "True"].includes(inline)) flags.set(key, true)
      else if (["0", "f", "F", "FALSE", "false", "False"].includes(inline)) flags.set(key, false)
      else return fail(`invalid boolean value "${inline}" for flag ${name}`, 2)
    } else {
      const value = inline ?? argv[++i]
      if (value === undefined) return fail(`flag needs an argument: ${name}`, 2)
      flags.set(key, value)
    }
  }
  return { flags, args }
}

const format: FlagSpec = { names: ["--format"], kind: "value" }
const relation: FlagSpec = { names: ["-r", "--relation"], kind: "value" }
const app: FlagSpec = { names: ["--app"], kind: "bool" }

const checkFormat = (parsed: Parsed) => {
  const value = parsed.flags.get("format")
  if (value !== undefined && !["json", "yaml", "smart"].includes(value as string)) {
    fail(`invalid value "${value}" for flag --format: unknown format "${value}"`, 2)
  }
  if (value !== "json") fail("this emulator answers --format=json only", 2)
}

const noMoreArgs = (args: ReadonlyArray<string>, from: number) => {
  if (args.length > from) fail(`unrecognized args: ["${args.slice(from).join('" "')}"]`, 2)
}

const restricted = () => {
  const path = process.env.JUJU_DISPATCH_PATH ?? ""
  if (restrictedEvents.has(path.slice(path.lastIndexOf("/") + 1))) fail(restrictedContextRefusal)
}

/** The running action, in an action's hook only (`JUJU_DISPATCH_PATH=actions/<name>`). */
const actionOf = (state: EmulatorState) => {
  const path = process.env.JUJU_DISPATCH_PATH ?? ""
  if (!path.startsWith("actions/") || state.action === undefined) return fail(notInAction)
  return state.action
}

const unitName = () => process.env.JUJU_UNIT_NAME ?? fail("JUJU_UNIT_NAME not set")
const appName = () => unitName().split("/")[0] as string

const relationOf = (state: EmulatorState, parsed: Parsed) => {
  const id = (parsed.flags.get("relation") as string | undefined) ?? process.env.JUJU_RELATION_ID
  if (id === undefined) return fail("no relation id specified", 2)
  const found = state.relations[id]
  if (found === undefined) return fail(`invalid value "${id}" for option -r: relation not found`, 2)
  return { id, relation: found }
}

type Tool = (
  argv: ReadonlyArray<string>,
  state: EmulatorState,
  stdin: () => string,
) => string | Promise<string>

const parseSettings = async (text: string): Promise<unknown> => {
  try {
    return JSON.parse(text)
  } catch {
    return (await import("yaml")).parse(text)
  }
}

const tools: Record<string, Tool> = {
  "config-get": (argv, state) => {
    restricted()
    const parsed = parseFlags(argv, { format, all: { names: ["-a", "--all"], kind: "bool" } })
    checkFormat(parsed)
    noMoreArgs(parsed.args, 1)
    const key = parsed.args[0]
    return JSON.stringify(key === undefined ? state.config : (state.config[key] ?? null))
  },
  "is-leader": (argv, state) => {
    restricted()
    const parsed = parseFlags(argv, { format })
    checkFormat(parsed)
    noMoreArgs(parsed.args, 0)
    return JSON.stringify(state.leader)
  },
  "relation-ids": (argv, state) => {
    restricted()
    const parsed = parseFlags(argv, { format })
    checkFormat(parsed)
    noMoreArgs(parsed.args, 1)
    const endpoint = parsed.args[0] ?? process.env.JUJU_RELATION ?? fail("no endpoint name specified", 2)
    return JSON.stringify(
      listedRelationIds(
        Object.fromEntries(Object.entries(state.relations).filter(([, r]) => r.endpoint === endpoint)),
      ),
    )
  },
  "relation-list": (argv, state) => {
    restricted()
    const parsed = parseFlags(argv, { format, relation, app })
    checkFormat(parsed)
    noMoreArgs(parsed.args, 0)
    const { relation: r } = relationOf(state, parsed)
    return JSON.stringify(parsed.flags.get("app") ? r.remoteApp : r.remoteUnits)
  },
  "relation-get": (argv, state) => {
    restricted()
    const parsed = parseFlags(argv, { format, relation, app })
    checkFormat(parsed)
    noMoreArgs(parsed.args, 2)
    const { id, relation: r } = relationOf(state, parsed)
    const key = parsed.args[0] ?? "-"
    const target = parsed.args[1] ?? process.env.JUJU_REMOTE_UNIT ?? fail("no unit id specified", 2)
    if (parsed.flags.get("app")) {
      if (target !== appName() && target !== r.remoteApp)
        fail(`invalid value "${target}": not an application of this relation`, 2)
      if (target === appName() && !state.leader) fail(permissionDenied)
    }
    // A hook sees what it wrote itself before Juju commits it.
    const bag = withChanges(r.data[target] ?? {}, state.uncommitted[id]?.[target])
    return JSON.stringify(key === "-" ? bag : (bag[key] ?? null))
  },
  "relation-set": async (argv, state, stdin) => {
    restricted()
    const parsed = parseFlags(argv, { format, relation, app, file: { names: ["--file"], kind: "value" } })
    const { id } = relationOf(state, parsed)
    const changes: Record<string, unknown> = {}
    const file = parsed.flags.get("file") as string | undefined
    if (file !== undefined) {
      const text = file === "-" ? stdin() : readFileSync(file, "utf8")
      // Juju reads YAML; JSON, which this charm sends, is YAML too and parses without loading a YAML library.
      const mapping = await parseSettings(text)
      if (mapping === null || typeof mapping !== "object" || Array.isArray(mapping))
        fail("expected a YAML map of settings")
      Object.assign(changes, mapping)
    }
    for (const pair of parsed.args) {
      const at = pair.indexOf("=")
      if (at <= 0) fail(`expected "key=value", got "${pair}"`, 2)
      changes[pair.slice(0, at)] = pair.slice(at + 1)
    }
    if (Object.values(changes).some((v) => typeof v !== "string")) fail("values must be strings")
    const owner = parsed.flags.get("app") ? appName() : unitName()
    if (parsed.flags.get("app") && !state.leader) fail(permissionDenied)
    // Kept aside until the hook ends: Juju commits relation data only if it exits 0.
    const pending = state.uncommitted[id] ?? {}
    pending[owner] = { ...pending[owner], ...(changes as Record<string, string>) }
    state.uncommitted[id] = pending
    return ""
  },
  "status-set": (argv, state) => {
    restricted()
    const parsed = parseFlags(argv, { application: { names: ["--application"], kind: "bool" } })
    const [status, message = "", ...rest] = parsed.args
    if (!["maintenance", "blocked", "waiting", "active"].includes(status ?? "")) {
      fail(`invalid status "${status}", expected one of [maintenance blocked waiting active]`, 2)
    }
    // One message argument, as Juju takes it: the rest would be lost, so Juju refuses it.
    noMoreArgs(rest, 0)
    if (parsed.flags.get("application") && !state.leader) fail("this unit is not the leader")
    state.status = { status: status as string, message }
    return ""
  },
  "secret-get": (argv, state) => {
    restricted()
    const parsed = parseFlags(argv, {
      format,
      refresh: { names: ["--refresh"], kind: "bool" },
      peek: { names: ["--peek"], kind: "bool" },
      label: { names: ["--label"], kind: "value" },
    })
    checkFormat(parsed)
    noMoreArgs(parsed.args, 2)
    if (parsed.flags.get("refresh") && parsed.flags.get("peek"))
      fail("specify one of --peek or --refresh but not both", 2)
    const uri = parsed.args[0] ?? fail("require either a secret URI or label", 2)
    if (!/^secret:/.test(uri)) fail(`secret URI "${uri}" not valid`, 2)
    const id = uri.replace(/^secret:(\/\/[^/]+\/)?/, "")
    const secret = state.secrets[`secret:${id}`]
    if (secret === undefined || secret.removed) return fail(`secret "${id}" not found`)
    if (!secret.granted) return fail(permissionDenied)
    const latest = secret.revisions.length
    // The first read tracks the newest revision; --refresh moves to it; --peek looks without moving.
    const tracked = state.tracked[`secret:${id}`] ?? latest
    const revision = parsed.flags.get("refresh") || parsed.flags.get("peek") ? latest : tracked
    if (!parsed.flags.get("peek")) state.tracked[`secret:${id}`] = revision
    const content = secret.revisions[revision - 1] ?? {}
    const key = parsed.args[1]
    return JSON.stringify(
      key === undefined ? content : (content[key] ?? fail(`secret key "${key}" not found`)),
    )
  },
  "action-get": (argv, state) => {
    const parsed = parseFlags(argv, { format })
    checkFormat(parsed)
    noMoreArgs(parsed.args, 1)
    const { params } = actionOf(state)
    const key = parsed.args[0]
    return JSON.stringify(key === undefined ? params : (params[key] ?? null))
  },
  "action-set": (argv, state) => {
    const parsed = parseFlags(argv, {})
    const action = actionOf(state)
    if (parsed.args.length === 0) fail("no key=value pairs specified", 2)
    for (const pair of parsed.args) {
      const at = pair.indexOf("=")
      if (at <= 0) fail(`argument "${pair}" must be of the form key=value`, 2)
      const problem = actionKeyProblem(pair.slice(0, at))
      if (problem !== undefined) fail(problem, 2)
      nestResults(action.results, pair.slice(0, at), pair.slice(at + 1))
    }
    return ""
  },
  "action-fail": (argv, state) => {
    const parsed = parseFlags(argv, {})
    noMoreArgs(parsed.args, 1)
    actionOf(state).failed = parsed.args[0] ?? "action failed without reason given, check action for errors"
    return ""
  },
  "action-log": (argv, state) => {
    const parsed = parseFlags(argv, {})
    if (parsed.args.length === 0) fail("no message specified", 2)
    actionOf(state).logs.push(parsed.args.join(" "))
    return ""
  },
  "juju-log": (argv, state) => {
    const parsed = parseFlags(argv, {
      level: { names: ["-l", "--log-level"], kind: "value" },
      debug: { names: ["--debug"], kind: "bool" },
      format,
    })
    if (parsed.args.length === 0) fail("no message specified", 2)
    const asked =
      (parsed.flags.get("level") as string | undefined) ?? (parsed.flags.get("debug") ? "DEBUG" : "INFO")
    // As Juju: WARN is WARNING, and a level it does not know is logged at INFO.
    const named = asked.toUpperCase() === "WARN" ? "WARNING" : asked.toUpperCase()
    const level = ["TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"].includes(named) ? named : "INFO"
    state.logs.push({ level, message: parsed.args.join(" ") })
    return ""
  },
}

/**
 * Juju's unit agent runs one hook-tool command at a time: a call made while another of the
 * same unit runs waits for it. The lock holds the running call's pid from the moment it
 * exists (a file with the pid, linked into place: a call killed at any point never leaves an
 * empty lock), and the lock of a call that was killed is taken over.
 */
const takeTurn = (lock: string): void => {
  const pause = new Int32Array(new SharedArrayBuffer(4))
  const mine = `${lock}.${process.pid}`
  writeFileSync(mine, String(process.pid))
  for (;;) {
    try {
      linkSync(mine, lock)
      break
    } catch {
      let holder: number
      try {
        holder = Number(readFileSync(lock, "utf8"))
      } catch {
        continue // Released meanwhile.
      }
      if (!isRunning(holder)) rmSync(lock, { force: true })
      else Atomics.wait(pause, 0, 0, 5)
    }
  }
  rmSync(mine, { force: true })
  process.on("exit", () => {
    try {
      if (readFileSync(lock, "utf8") === String(process.pid)) rmSync(lock, { force: true })
    } catch {
      // Already taken over.
    }
  })
}

/** Alive and not a zombie: a killed call stays one until its new parent reaps it, not always at once. */
const isRunning = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1")
    return stat[stat.lastIndexOf(")") + 2] !== "Z"
  } catch {
    return false
  }
}

const main = async () => {
  const name = basename(process.argv[1] ?? "")
  const argv = process.argv.slice(2)
  const stateFile = process.env[stateVariable]
  const missing = [stateVariable, "JUJU_CONTEXT_ID"].find((variable) => !process.env[variable])
  if (missing !== undefined || stateFile === undefined) {
    process.stderr.write(`ERROR ${missing} not set\n`)
    process.exitCode = 1
    return
  }
  takeTurn(`${stateFile}.lock`)
  const state = readState(stateFile)
  const tool = tools[name]
  state.calls.push([name, ...argv])
  const fault = state.faults[name]
  try {
    if (tool === undefined) fail(`unknown hook tool ${name}`)
    if (fault !== undefined) {
      writeState(stateFile, state)
      if ("hang" in fault) return setInterval(() => {}, 1 << 30)
      if ("stdout" in fault) return void process.stdout.write(fault.stdout)
      throw new ToolExit(fault.exit, fault.stderr ?? "")
    }
    const output = await (tool as Tool)(argv, state, () => readFileSync(0, "utf8"))
    writeState(stateFile, state)
    if (output !== "") process.stdout.write(`${output}\n`)
  } catch (error) {
    if (!(error instanceof ToolExit)) throw error
    writeState(stateFile, state)
    process.stderr.write(error.stderr)
    process.exitCode = error.code
  }
}

await main()
