// `npm run bench`: what a hook costs. Interleaves, round after round,
//   A: the packed dispatch, steady-state config-changed on the leader (four scripts set),
//   B: a shell script making exactly A's hook-tool calls (the floor: the calls alone),
//   C: the bundled Node runtime starting and exiting,
//   D: the same calls as A from a plain Node script with the bundled runtime (no Effect, no
//      checks): what any Node charm pays for them, a reference for the (A - B) / C target,
// all against the project's hook-tool emulator, and prints medians, (A - B) / C, hook-tool
// calls per event, the cold first hook, and the hook process's peak RSS.
import { execFileSync, spawnSync } from "node:child_process"
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { initialState, readState, settleHook, stateVariable, writeState } from "../test/emulator/state.ts"
import { charmDir } from "./charm-layout.ts"

const rounds = Number(process.env.BENCH_ROUNDS ?? 15)
const dispatch = resolve(charmDir, "dispatch")
const runtime = resolve(charmDir, "bin/node")
const work = mkdtempSync(join(tmpdir(), "backup-integrator-bench-"))
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

const unitEnv = (name: string, leader: boolean) => {
  const stateFile = join(work, `${name}.json`)
  writeState(stateFile, initialState({ leader, config, relations }))
  return {
    stateFile,
    env: {
      PATH: `${resolve("test/emulator/bin")}:${dirname(process.execPath)}:/usr/bin:/bin`,
      [stateVariable]: stateFile,
      BACKUP_INTEGRATOR_OPT_DIR: join(work, `${name}-opt`),
      JUJU_DISPATCH_PATH: "hooks/config-changed",
      JUJU_HOOK_NAME: "config-changed",
      JUJU_UNIT_NAME: `backup-integrator/${leader ? 0 : 1}`,
      JUJU_CHARM_DIR: resolve(charmDir),
      JUJU_CONTEXT_ID: `backup-integrator-${name}`,
      JUJU_MODEL_NAME: "bench",
    },
  }
}

/** Wall time of one run, in milliseconds; the state's call log is emptied first, untimed. */
const timed = (command: string, args: ReadonlyArray<string>, unit: ReturnType<typeof unitEnv>) => {
  const state = readState(unit.stateFile)
  writeState(unit.stateFile, { ...state, calls: [], logs: [] })
  const start = process.hrtime.bigint()
  const result = spawnSync(command, args, {
    cwd: resolve(charmDir),
    env: unit.env,
    stdio: ["ignore", "ignore", "pipe"],
  })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  settleHook(unit.stateFile, result.status)
  if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`)
  return ms
}

const stats = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
  return { median, min: sorted[0] as number, max: sorted.at(-1) as number }
}
const fmt = (ms: number) => `${ms.toFixed(1).padStart(7)} ms`

try {
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

  const a: Array<number> = []
  const b: Array<number> = []
  const c: Array<number> = []
  const d: Array<number> = []
  for (let round = 0; round < rounds; round++) {
    a.push(timed(dispatch, [], leader))
    b.push(timed(floor, [], leader))
    c.push(timed(runtime, ["-e", "0"], leader))
    d.push(timed(runtime, [plain], leader))
  }

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
  console.log(`backup-integrator hook benchmark: ${rounds} interleaved rounds (A B C D ...)`)
  console.log(`                                          median       min       max`)
  for (const [name, s] of [
    ["A  dispatch, steady config-changed (leader)", sa],
    ["B  the same hook-tool calls from sh", sb],
    ["C  bundled node -e 0", sc],
    ["D  same calls from plain Node (reference)", sd],
  ] as const) {
    console.log(`${name.padEnd(44)}${fmt(s.median)}${fmt(s.min)}${fmt(s.max)}`)
  }
  console.log(`A - B (the charm's own time)              ${fmt(sa.median - sb.median)}`)
  console.log(
    `(A - B) / C                               ${((sa.median - sb.median) / sc.median).toFixed(2).padStart(10)}   target <= 1.30`,
  )
  console.log(
    `(D - B) / C, plain Node for reference     ${((sd.median - sb.median) / sc.median).toFixed(2).padStart(10)}`,
  )
  console.log(
    `cold first hook after the build           ${fmt(cold)}   (warm median ${fmt(sa.median).trim()})`,
  )
  console.log(
    `hook-tool calls, steady state             leader ${steadyCalls.length} (target <= 5), follower ${followerCalls.length} (target <= 4)`,
  )
  console.log(`  leader:   ${steadyCalls.map(([tool]) => tool).join(", ")}`)
  console.log(`  follower: ${followerCalls.map(([tool]) => tool).join(", ")}`)
  console.log(
    `peak RSS of the hook process              ${(Number(rss) / 1024).toFixed(1).padStart(7)} MiB   target <= 64 MiB`,
  )
} finally {
  rmSync(work, { recursive: true, force: true })
}
