// `npm run bench`: what a hook costs. Interleaves, round after round,
//   A: the packed dispatch, steady-state config-changed on the leader (four scripts set),
//   B: a shell script making exactly A's hook-tool calls (the floor: the calls alone),
//   C: the bundled Node runtime starting and exiting,
//   D: the same calls as A from a plain Node script with the bundled runtime (no Effect, no
//      checks): what any Node charm pays for them, a reference for the (A - B) / C target,
//   E: the packed dispatch on update-status of the same unit, nothing changed since A (target:
//      no process and no hook-tool call, E / C at most 0.1: dispatch decides it in bash),
// all against the project's hook-tool emulator, and prints medians, (A - B) / C, hook-tool
// calls per event, the cold first hook, and the hook process's peak RSS; then the cost of the
// fileset walk before a backup (scripts/fileset-walk-bench.ts).
//
// `npm run bench -- --baseline <charm dir>` compares instead, paired and interleaved, this
// build's hook with another build's (say, of an earlier commit: see docs/hook-cost.md), for
// wall time and for the CPU time of the hook's own process.
import { execFileSync, spawnSync } from "node:child_process"
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { initialState, readState, settleHook, writeState } from "../test/emulator/state.ts"
import { jujuEnv } from "../test/support/juju-env.ts"
import { runRecord } from "../test/support/run-record.ts"
import { charmDir } from "./charm-layout.ts"
import { type Command, flagValue, runCommand, UsageError } from "./command-line.ts"
import { measureFilesetWalk } from "./fileset-walk-bench.ts"

const command: Command = {
  run: "npm run bench --",
  summary:
    "Measures what a hook of the freshly built charm costs, against the hook-tool emulator: wall\ntime, hook-tool calls and peak memory of a steady config-changed and update-status, beside\nthe floor (the same calls from sh) and Node's own start. BENCH_ROUNDS=N sets the rounds\n(default 15).",
  flags: {
    baseline: {
      type: "string",
      value: "CHARM_DIR",
      help: "Compare instead this build's hook with the unpacked charm in CHARM_DIR (another build's\nbuild/charm), paired and interleaved, for wall time and the hook process's CPU time.",
    },
  },
  examples: [
    "npm run bench",
    "BENCH_ROUNDS=31 npm run bench -- --baseline /tmp/charm-before   # see docs/hook-cost.md",
  ],
}

const rounds = Number(process.env.BENCH_ROUNDS ?? 15)
const dispatch = resolve(charmDir, "dispatch")
const runtime = resolve(charmDir, "bin/node")
let work = ""
const script = (n: number) => `#!/bin/sh\necho "script ${n}"\n`
const config = {
  fileset: "/var/backups/postgresql,/etc/myapp",
  "run-before-backup": script(1),
  "run-after-backup": script(2),
  "run-before-restore": script(3),
  "run-after-restore": script(4),
}
const relations = {
  "backup:3": { endpoint: "backup", remoteApp: "bacula-fd", remoteUnits: ["bacula-fd/0"], data: {} },
}

/** A unit of its own (state, /opt) running `charm`'s hook for `event`. */
const unitEnv = (name: string, leader: boolean, charm = resolve(charmDir), event = "config-changed") => {
  const stateFile = join(work, `${name}.json`)
  writeState(stateFile, initialState({ leader, config, relations }))
  const unitName = `backup-integrator/${leader ? 0 : 1}`
  return {
    stateFile,
    charm,
    env: jujuEnv({ event, unitName, charm, stateFile, optDir: join(work, `${name}-opt`) }),
  }
}
type Unit = ReturnType<typeof unitEnv>

// The CPU time of the hook's own Node process (not of the hook tools it starts), written as it
// exits by a CommonJS file that NODE_OPTIONS preloads: the same small cost in both builds.
const cpuProbe = () => join(work, "cpu-probe.cjs")
const writeCpuProbe = () =>
  writeFileSync(
    cpuProbe(),
    `process.on("exit", () => { const { user, system } = process.cpuUsage(); require("node:fs").writeFileSync(process.env.BENCH_CPU_FILE, String((user + system) / 1000)) })\n`,
  )

// Each run is started as Juju's Go agent starts a hook: with posix_spawn (a vfork, whose cost
// does not grow with the parent), from a small Python process whose own start is not timed.
// Started by this Node process instead, every run paid the fork of its heap (about 1 ms more a
// run at 50 MB, 2 ms at 200 MB): a fixed cost that doubled a 2 ms hook and not a 20 ms one.
// The environment goes over as JSON: Python's own would be changed by its locale coercion.
const spawnTimer = `import json, os, sys, time
null = os.open(os.devnull, os.O_WRONLY)
start = time.perf_counter_ns()
pid = os.posix_spawn(sys.argv[2], sys.argv[2:], json.loads(sys.argv[1]), file_actions=[(os.POSIX_SPAWN_DUP2, null, 1)])
status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
print(time.perf_counter_ns() - start)
sys.exit(status if status >= 0 else 128 - status)
`

/** Wall time of one run, in milliseconds; the state's call log is emptied first, untimed. */
const timed = (
  command: string,
  args: ReadonlyArray<string>,
  unit: Unit,
  extraEnv: Record<string, string> = {},
) => {
  const state = readState(unit.stateFile)
  writeState(unit.stateFile, { ...state, calls: [], logs: [] })
  const env = JSON.stringify({ ...unit.env, ...extraEnv })
  const result = spawnSync("python3", ["-I", "-c", spawnTimer, env, command, ...args], {
    cwd: unit.charm,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
  })
  settleHook(unit.stateFile, result.status)
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`)
  return Number(result.stdout) / 1e6
}

/** One hook of `unit`: its wall time, and its Node process's CPU time (0 when it started none). */
const hookCost = (unit: Unit) => {
  const cpuFile = join(work, "cpu")
  rmSync(cpuFile, { force: true })
  const wall = timed(join(unit.charm, "dispatch"), [], unit, {
    NODE_OPTIONS: `--require ${cpuProbe()}`,
    BENCH_CPU_FILE: cpuFile,
  })
  return { wall, cpu: existsSync(cpuFile) ? Number(readFileSync(cpuFile, "utf8")) : 0 }
}

/**
 * The processes a run of `unit`'s dispatch starts besides its own (each fork and exec), as
 * strace counts them; undefined without strace.
 */
const processesStarted = (unit: Unit) => {
  const trace = join(work, "trace")
  const result = spawnSync(
    "strace",
    ["-f", "-qq", "-e", "trace=execve,clone,clone3,fork,vfork", "-o", trace, join(unit.charm, "dispatch")],
    { cwd: unit.charm, env: unit.env, stdio: "ignore" },
  )
  if (result.error !== undefined || result.status !== 0) return undefined
  settleHook(unit.stateFile, result.status)
  // The first line is dispatch's own execve.
  return readFileSync(trace, "utf8").trim().split("\n").length - 1
}

const stats = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
  return { median, min: sorted[0] as number, max: sorted.at(-1) as number }
}
const fmt = (ms: number) => `${ms.toFixed(1).padStart(7)} ms`

/**
 * This build against `baseline`, paired and interleaved: each round runs both, in an order that
 * alternates (ABBA), so that a slow moment of the machine weighs on both alike.
 */
const compare = (baseline: string) => {
  const events = ["config-changed", "update-status"]
  for (const event of events) {
    const ours = unitEnv(`ours-${event}`, true, resolve(charmDir), event)
    const theirs = unitEnv(`theirs-${event}`, true, resolve(baseline), event)
    for (const unit of [ours, theirs]) for (let i = 0; i < 2; i++) hookCost(unit)
    const pairs: Array<{ ours: ReturnType<typeof hookCost>; theirs: ReturnType<typeof hookCost> }> = []
    for (let round = 0; round < rounds; round++) {
      const [first, second] = round % 2 ? [theirs, ours] : [ours, theirs]
      const a = hookCost(first)
      const b = hookCost(second)
      pairs.push(round % 2 ? { ours: b, theirs: a } : { ours: a, theirs: b })
    }
    const median = (values: ReadonlyArray<number>) => stats(values).median
    console.log(`${event}, leader, steady: ${rounds} paired rounds, this build against ${baseline}`)
    console.log(`                               this     baseline   difference (median of pairs)   faster in`)
    for (const measure of ["wall", "cpu"] as const) {
      const differences = pairs.map((p) => p.ours[measure] - p.theirs[measure])
      const faster = differences.filter((d) => d < 0).length
      console.log(
        `${(measure === "wall" ? "wall time" : "CPU of the hook process").padEnd(26)}${fmt(median(pairs.map((p) => p.ours[measure])))}${fmt(median(pairs.map((p) => p.theirs[measure])))}${fmt(median(differences))}${`${faster}/${rounds}`.padStart(22)}`,
      )
    }
  }
}

/** The figures of this build alone: A, B, C, D, calls, the cold hook, peak RSS. */
const measure = () => {
  const leader = unitEnv("leader", true)
  const follower = unitEnv("follower", false)

  // Cold: the first hook after the build (no code cache yet, scripts not yet written).
  const cold = timed(dispatch, [], leader)
  timed(dispatch, [], leader)
  const steadyCalls = readState(leader.stateFile).calls
  timed(dispatch, [], follower)
  timed(dispatch, [], follower)
  const followerCalls = readState(follower.stateFile).calls

  // B replays A's calls, argv for argv, and reads what each prints as A must (a pipe, not
  // /dev/null: a tool writing to a pipe costs a few ms more, and that is part of the call).
  const floor = join(work, "floor.sh")
  const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`
  writeFileSync(
    floor,
    `#!/bin/sh\nset -e\n${steadyCalls.map((call, n) => `out${n}=$(${call.map(quote).join(" ")})`).join("\n")}\n`,
  )
  chmodSync(floor, 0o755)
  const plain = join(work, "plain-node.mjs")
  writeFileSync(
    plain,
    `import { execFileSync } from "node:child_process"\n${steadyCalls
      .map(
        ([tool, ...args]) =>
          `execFileSync(${JSON.stringify(tool)}, ${JSON.stringify(args)}, { encoding: "utf8" })`,
      )
      .join("\n")}\n`,
  )

  const updateStatus = {
    ...leader,
    env: { ...leader.env, JUJU_DISPATCH_PATH: "hooks/update-status", JUJU_HOOK_NAME: "update-status" },
  }
  timed(dispatch, [], updateStatus)
  const quietCalls = readState(leader.stateFile).calls
  const quietProcesses = processesStarted(updateStatus)

  const a: Array<number> = []
  const b: Array<number> = []
  const c: Array<number> = []
  const d: Array<number> = []
  const e: Array<number> = []
  for (let round = 0; round < rounds; round++) {
    a.push(timed(dispatch, [], leader))
    b.push(timed(floor, [], leader))
    c.push(timed(runtime, ["-e", "0"], leader))
    d.push(timed(runtime, [plain], leader))
    e.push(timed(dispatch, [], updateStatus))
  }

  // A run that failed since (a record as the runner writes it): update-status shows it.
  const runs = join(
    leader.env.BACKUP_INTEGRATOR_OPT_DIR as string,
    "backup-integrator-charm/backup-integrator/runs/run-before-backup",
  )
  execFileSync("mkdir", ["-p", runs])
  writeFileSync(
    join(runs, `${String(Date.now()).padStart(13, "0")}-1.json`),
    JSON.stringify(runRecord("run-before-backup", new Date().toISOString(), { exitStatus: 1 })),
  )
  timed(dispatch, [], updateStatus)
  const changedCalls = readState(leader.stateFile).calls

  // Peak RSS: the hook tools are shell stand-ins printing what the emulator answered, so that
  // the largest process measured is the hook's own.
  const standIns = join(work, "stand-ins")
  execFileSync("mkdir", ["-p", standIns])
  for (const [tool, ...args] of steadyCalls) {
    const output = execFileSync(tool as string, args, { env: leader.env, encoding: "utf8" })
    writeFileSync(join(standIns, tool as string), `#!/bin/sh\nprintf '%s' ${quote(output)}\n`)
    chmodSync(join(standIns, tool as string), 0o755)
  }
  const rss = execFileSync(
    "python3",
    [
      "-c",
      "import resource,subprocess,sys; subprocess.run(sys.argv[1:], check=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
      dispatch,
    ],
    { cwd: resolve(charmDir), env: { ...leader.env, PATH: `${standIns}:/usr/bin:/bin` }, encoding: "utf8" },
  )

  const sa = stats(a)
  const sb = stats(b)
  const sc = stats(c)
  const sd = stats(d)
  const se = stats(e)
  console.log(`backup-integrator hook benchmark: ${rounds} interleaved rounds (A B C D E ...)`)
  console.log(`                                          median       min       max`)
  for (const [name, s] of [
    ["A  dispatch, steady config-changed (leader)", sa],
    ["B  the same hook-tool calls from sh", sb],
    ["C  bundled node -e 0", sc],
    ["D  same calls from plain Node (reference)", sd],
    ["E  dispatch, update-status, nothing changed", se],
  ] as const) {
    console.log(`${name.padEnd(44)}${fmt(s.median)}${fmt(s.min)}${fmt(s.max)}`)
  }
  console.log(`A - B (the charm's own time)              ${fmt(sa.median - sb.median)}`)
  console.log(
    `(A - B) / C                               ${((sa.median - sb.median) / sc.median).toFixed(2).padStart(10)}   target <= 2.0`,
  )
  console.log(
    `(D - B) / C, plain Node for reference     ${((sd.median - sb.median) / sc.median).toFixed(2).padStart(10)}`,
  )
  console.log(
    `E / C, update-status over Node's start    ${(se.median / sc.median).toFixed(2).padStart(10)}   target <= 0.10`,
  )
  console.log(
    `processes update-status starts            ${String(quietProcesses ?? "not counted (no strace)").padStart(10)}   target 0`,
  )
  console.log(
    `cold first hook after the build           ${fmt(cold)}   (warm median ${fmt(sa.median).trim()})`,
  )
  console.log(
    `hook-tool calls, steady state             leader ${steadyCalls.length} (target <= 4), follower ${followerCalls.length} (target <= 3)`,
  )
  console.log(`  leader:   ${steadyCalls.map(([tool]) => tool).join(", ")}`)
  console.log(
    `  update-status: ${quietCalls.length} with nothing changed (target 0), ${changedCalls.length} when a run failed since (${changedCalls.map(([tool]) => tool).join(", ")})`,
  )
  console.log(`  follower: ${followerCalls.map(([tool]) => tool).join(", ")}`)
  console.log(
    `peak RSS of the hook process              ${(Number(rss) / 1024).toFixed(1).padStart(7)} MiB   target <= 64 MiB`,
  )
}

await runCommand(command, (args) => {
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new UsageError(`BENCH_ROUNDS: expected a whole number of rounds, not ${process.env.BENCH_ROUNDS}`)
  const baseline = flagValue(args, "baseline")
  if (baseline !== undefined) {
    try {
      accessSync(join(baseline, "dispatch"), constants.X_OK)
    } catch {
      throw new UsageError(`--baseline: no unpacked charm at ${baseline} (no executable dispatch in it)`)
    }
  }
  work = mkdtempSync(join(tmpdir(), "backup-integrator-bench-"))
  try {
    writeCpuProbe()
    if (baseline === undefined) {
      measure()
      measureFilesetWalk(work, Math.min(rounds, 5))
    } else compare(baseline)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
})
