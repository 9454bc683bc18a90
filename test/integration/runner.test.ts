// The runner the charm installs (src/runner/), run as Bacula runs it: a real process,
// real scripts, real signals, a real full disk.
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, assert, describe, it } from "vitest"
import { encodeRunnerSettings, type RunnerSettings } from "../../src/domain/runner-settings.ts"
import runnerFile from "../../src/runner/runner.pyz"

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** An application directory holding `script` as run-before-backup, with its runner. */
const install = (script: string | undefined, settings?: Partial<RunnerSettings>, appDir?: string) => {
  const app = appDir ?? mkdtempSync(join(tmpdir(), "runner-"))
  if (appDir === undefined) dirs.push(app)
  mkdirSync(join(app, "scripts"), { recursive: true })
  mkdirSync(join(app, "operator-scripts"), { recursive: true, mode: 0o700 })
  const runner = join(app, "scripts/run-before-backup")
  writeFileSync(runner, runnerFile, { mode: 0o700 })
  if (script !== undefined)
    writeFileSync(join(app, "operator-scripts/run-before-backup"), script, { mode: 0o700 })
  // As the charm writes it: held to the schema, so the runner is tested on what it is given.
  if (settings !== undefined)
    writeFileSync(
      join(app, "runner.json"),
      encodeRunnerSettings({ metricsDirectories: [], fileset: [], ...settings }),
    )
  return { app, runner, runs: join(app, "runs/run-before-backup") }
}

const records = (runs: string) =>
  readdirSync(runs)
    .sort()
    .map((name) => JSON.parse(readFileSync(join(runs, name), "utf8")))

/** Runs the runner; one that hangs is killed after 2 minutes (generous: the machine may be busy). */
const run = (runner: string, args: ReadonlyArray<string> = []) =>
  spawnSync(runner, args, { encoding: "utf8", maxBuffer: 1 << 28, timeout: 120_000 })

/** Processes whose command line holds `marker`, other than this test's own. */
const alive = (marker: string) =>
  spawnSync("pgrep", ["-f", marker], { encoding: "utf8" })
    .stdout.split("\n")
    .filter((pid) => pid !== "")

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  )

describe("the runner", () => {
  it("passes stdout, stderr and the exit status through, and records the run, root only", () => {
    const { runner, runs, app } = install("#!/bin/sh\necho to-stdout\necho to-stderr >&2\nexit 3\n")
    const result = run(runner)
    assert.strictEqual(result.status, 3)
    assert.strictEqual(result.stdout, "to-stdout\n")
    assert.strictEqual(result.stderr, "to-stderr\n")
    const [record] = records(runs)
    assert.include(record, {
      version: 1,
      script: "run-before-backup",
      exitStatus: 3,
      signal: null,
      timedOut: false,
      timeout: null,
      stoppedLeftovers: 0,
      outputBytes: 20,
    })
    assert.strictEqual(record.pid, result.pid)
    assert.match(record.started, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    assert.isAtLeast(Date.parse(record.ended), Date.parse(record.started))
    assert.strictEqual(record.output, "to-stdout\nto-stderr\n")
    assert.strictEqual(statSync(runs).mode & 0o777, 0o700)
    assert.strictEqual(statSync(join(app, "runs")).mode & 0o777, 0o700)
    for (const name of readdirSync(runs)) {
      assert.match(name, /^\d{13}-\d+\.json$/)
      assert.strictEqual(statSync(join(runs, name)).mode & 0o777, 0o600)
    }
  })

  it("runs a script without #! with /bin/sh, as execvp does, with Bacula's arguments", () => {
    const { runner, runs } = install('echo "args: $*"; [ -n "$BASH_VERSION" ] && echo bash || echo sh\n')
    const result = run(runner, ["Full", "job 1"])
    assert.strictEqual(result.status, 0)
    assert.strictEqual(result.stdout, "args: Full job 1\nsh\n")
    assert.strictEqual(records(runs)[0].exitStatus, 0)
  })

  it("an option with no script: exits 0 at once, silent, as bacula-fd's no-op, and records the run as unset", () => {
    const { runner, runs } = install(undefined)
    const result = run(runner)
    assert.strictEqual(result.status, 0)
    assert.strictEqual(result.stdout + result.stderr, "")
    const [record] = records(runs)
    assert.include(record, {
      script: "run-before-backup",
      set: false,
      exitStatus: 0,
      signal: null,
      output: "",
    })
    assert.strictEqual(record.pid, result.pid)
  })

  it("a script that cannot start fails with 127, says so, and the failure is recorded as set", () => {
    const { runner, runs } = install("#!/no/such/interpreter\n")
    const result = run(runner)
    assert.strictEqual(result.status, 127)
    assert.match(result.stderr, /cannot start run-before-backup: No such file or directory/)
    assert.include(records(runs)[0], { set: true, exitStatus: 127 })
  })

  it("a job Bacula starts deletes the Python charm's directories of the application; run-script does not", () => {
    const root = mkdtempSync(join(tmpdir(), "runner-root-"))
    dirs.push(root)
    const { runner } = install(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
      '#!/bin/sh\necho "marker=${BACKUP_INTEGRATOR_ACTION-unset}"\n',
      undefined,
      join(root, "backup-integrator"),
    )
    for (const name of ["backup-integrator-0", "backup-integrator-12", "backup-integrator-x1", "other-3"])
      mkdirSync(join(root, name, "scripts"), { recursive: true })
    const byAction = spawnSync(runner, [], {
      encoding: "utf8",
      env: { ...process.env, BACKUP_INTEGRATOR_ACTION: "1" },
    })
    assert.strictEqual(byAction.stdout, "marker=unset\n")
    assert.strictEqual(readdirSync(root).length, 5)
    assert.strictEqual(run(runner).status, 0)
    assert.deepStrictEqual(readdirSync(root).sort(), ["backup-integrator", "backup-integrator-x1", "other-3"])
  })

  it("forwards SIGTERM (a stopped bacula-fd, an operator's kill) to the script, and passes its exit through", async () => {
    const { runner, runs } = install(
      "#!/bin/bash\ntrap 'echo \"got TERM\"; exit 9' TERM\necho ready\nsleep 30 & wait\n",
    )
    const child = spawn(runner, [], { stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    const ready = new Promise<void>((resolve) =>
      child.stdout?.on("data", (chunk) => {
        stdout += chunk
        if (stdout.includes("ready")) resolve()
      }),
    )
    await ready
    child.kill("SIGTERM")
    const { code } = await exited(child)
    assert.strictEqual(code, 9)
    assert.include(stdout, "got TERM")
    const [record] = records(runs)
    assert.deepStrictEqual(record.forwardedSignals, ["SIGTERM"])
    assert.strictEqual(record.exitStatus, 9)
  })

  it("a script killed by a signal: the runner dies of the same signal, and the record says which", () => {
    const { runner, runs } = install("#!/bin/sh\nkill -KILL $$\n")
    const result = run(runner)
    assert.strictEqual(result.signal, "SIGKILL")
    assert.include(records(runs)[0], { exitStatus: null, signal: "SIGKILL" })
  })

  it("processes a script leaves behind, detached or not, are stopped when it ends: the job is not held", () => {
    const marker = `${process.pid}${Date.now()}`.slice(-9)
    const { runner, runs } = install(
      `#!/bin/sh\n(sleep 6${marker} &)\nsetsid sleep 7${marker} &\nsleep 8${marker} &\necho started\n`,
    )
    // Each leftover sleeps for decades: a runner that waited for one would be killed by
    // run()'s limit, with no exit status.
    const result = run(runner)
    assert.strictEqual(result.status, 0)
    assert.strictEqual(result.stdout, "started\n")
    assert.deepStrictEqual(alive(`sleep [678]${marker}`), [])
    assert.strictEqual(records(runs)[0].stoppedLeftovers, 3)
  })

  it("at script-timeout the whole tree is stopped, detached children too, and the run ends with 124", () => {
    const marker = `${process.pid}${Date.now()}`.slice(-9)
    const { runner, runs } = install(
      `#!/bin/sh\necho working\nsetsid sleep 9${marker} &\nsleep 5${marker}\necho never\n`,
      { timeout: 1 },
    )
    // The script sleeps for decades: only the time limit ends it with 124.
    const result = run(runner)
    assert.strictEqual(result.status, 124)
    assert.strictEqual(result.stdout, "working\n")
    assert.include(result.stderr, "backup-integrator: run-before-backup timed out after 1s: stopping it")
    assert.deepStrictEqual(alive(`sleep [59]${marker}`), [])
    assert.include(records(runs)[0], { timedOut: true, timeout: 1 })
  })

  it("a script that ignores SIGTERM at its time limit is killed 10 s later", () => {
    const { runner, runs } = install("#!/bin/bash\ntrap '' TERM\nwhile :; do sleep 0.1; done\n", {
      timeout: 1,
    })
    const start = Date.now()
    const result = run(runner)
    assert.strictEqual(result.status, 124)
    // Not before the grace period (a lower bound: a busy machine only makes it longer). The
    // script loops for ever: only the runner's SIGKILL ends it, as the record says.
    assert.isAtLeast(Date.now() - start, 10_000)
    assert.include(records(runs)[0], { timedOut: true, signal: "SIGKILL" })
  })

  it("huge output passes through whole; the record keeps only its last lines, at most 4 KiB", () => {
    const { runner, runs } = install("#!/bin/sh\nseq 1 5000000\necho last-line >&2\n")
    const result = run(runner)
    // Its last lines say why, should it fail (they found the stale select event behind its one failure).
    assert.strictEqual(result.status, 0, `${result.error ?? ""} ${result.stderr.slice(-2000)}`)
    const lines = result.stdout.split("\n")
    assert.strictEqual(lines.length, 5_000_001)
    assert.strictEqual(lines[4_999_999], "5000000")
    const [record] = records(runs)
    assert.strictEqual(record.outputBytes, result.stdout.length + "last-line\n".length)
    assert.isAtMost(Buffer.byteLength(record.output), 4096)
    assert.isAtMost(record.output.split("\n").length - 1, 40)
    assert.isTrue(record.output.endsWith("4999999\n5000000\nlast-line\n"))
  })

  it("keeps the last 10 records of a script, and two runs at once each leave a whole one", async () => {
    const { runner, runs } = install("#!/bin/sh\nsleep 0.3\necho done\n")
    const both = [spawn(runner, [], { stdio: "ignore" }), spawn(runner, [], { stdio: "ignore" })]
    const codes = await Promise.all(both.map(exited))
    assert.deepStrictEqual(
      codes.map(({ code }) => code),
      [0, 0],
    )
    assert.sameMembers(
      records(runs).map(({ pid }) => pid),
      both.map(({ pid }) => pid),
    )
    for (let i = 0; i < 11; i++) run(runner)
    assert.strictEqual(readdirSync(runs).length, 10)
    for (const record of records(runs)) assert.strictEqual(record.output, "done\n")
  })

  it("a full disk while recording: the script's output and status still pass through, nothing partial is left", () => {
    const { runner, app } = install("#!/bin/sh\necho dump done\nexit 5\n")
    // runs/ on a 64 KiB tmpfs, filled first, in a private mount namespace.
    const result = spawnSync(
      "unshare",
      [
        "-rm",
        "sh",
        "-c",
        `set -e; mkdir "$APP/runs"; mount -t tmpfs -o size=64k,mode=0700 tmpfs "$APP/runs"
        head -c 1M /dev/zero > "$APP/runs/filler" 2>/dev/null || true
        set +e; "$RUNNER"; rc=$?; find "$APP/runs" -name '*.json*'; exit $rc`,
      ],
      { env: { ...process.env, APP: app, RUNNER: runner }, encoding: "utf8" },
    )
    assert.strictEqual(result.status, 5, result.stderr)
    assert.strictEqual(result.stdout, "dump done\n")
    assert.include(result.stderr, "could not record this run of run-before-backup: No space left on device")
  })
})

describe("the runner's credentials", () => {
  it("gives scripts CREDENTIALS_DIRECTORY when the settings name it, and never passes one from outside", () => {
    // biome-ignore-start lint/suspicious/noTemplateCurlyInString: shell parameter expansion
    const { runner } = install('#!/bin/sh\necho "dir=${CREDENTIALS_DIRECTORY-unset}"\n', {
      credentials: "/opt/x/credentials",
    })
    assert.strictEqual(run(runner).stdout, "dir=/opt/x/credentials\n")
    const { runner: without } = install('#!/bin/sh\necho "dir=${CREDENTIALS_DIRECTORY-unset}"\n', {})
    const outside = spawnSync(without, [], {
      encoding: "utf8",
      env: { ...process.env, CREDENTIALS_DIRECTORY: "/tmp" },
    })
    // biome-ignore-end lint/suspicious/noTemplateCurlyInString: shell parameter expansion
    assert.strictEqual(outside.stdout, "dir=unset\n")
  })
})

/** Whether `pid` holds SIGTERM (blocked or caught): from then on a SIGTERM cannot kill it unrecorded. */
const holdsSigterm = (pid: number) => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const mask = (name: string) =>
      BigInt(`0x${status.match(new RegExp(`^${name}:\\s*([0-9a-f]+)$`, "m"))?.[1] ?? "0"}`)
    return ((mask("SigBlk") | mask("SigCgt")) & (1n << 14n)) !== 0n
  } catch {
    return false
  }
}

/** Waits (boundedly) for the processes matching `marker` to go; returns those still there. */
const gone = async (marker: string) => {
  for (let i = 0; i < 100 && alive(marker).length > 0; i++) await new Promise((r) => setTimeout(r, 100))
  return alive(marker)
}

/** This process's cgroup v2 directory, when the machine has one it may write to. */
const ownCgroup = () => {
  const path = readFileSync("/proc/self/cgroup", "utf8").match(/^0::(.*)$/m)?.[1]
  const mount = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((line) => line.includes(" - cgroup2 "))
    .at(-1)
    ?.split(" ")
  if (path === undefined || mount === undefined) return undefined
  const directory = `${mount[4]}${path === "/" ? "" : path}`
  try {
    accessSync(directory, constants.W_OK)
    return mount[3] === "/" ? directory : undefined
  } catch {
    return undefined
  }
}

const killAll = (marker: string) => spawnSync("pkill", ["-KILL", "-f", marker])

describe("the runner's edges", () => {
  it("script-timeout holds while Bacula's reader stalls: the runner ends with 124 before the reader reads again", () => {
    const { runner, runs, app } = install("#!/bin/sh\nexec yes output-line\n", { timeout: 2 })
    // The reader waits up to 20 s, or until the runner has exited, then says which came first.
    const result = spawnSync(
      "sh",
      [
        "-c",
        `{ "$RUNNER" 2>&1; echo $? > "$APP/exit"; } | {
          i=0; while [ $i -lt 200 ] && [ ! -e "$APP/exit" ]; do sleep 0.1; i=$((i+1)); done
          [ -e "$APP/exit" ] && echo runner-first || echo reader-first; cat > /dev/null; }`,
      ],
      { env: { ...process.env, RUNNER: runner, APP: app }, encoding: "utf8", timeout: 120_000 },
    )
    assert.strictEqual(result.stdout, "runner-first\n")
    assert.strictEqual(readFileSync(join(app, "exit"), "utf8"), "124\n")
    assert.include(records(runs)[0], { timedOut: true, signal: "SIGTERM" })
  }, 120_000)

  it("a reader that stalls makes the script wait: the runner holds at most about 1 MiB of its output, then passes it all", async () => {
    // The script marks its end beside itself (operator-scripts/), where the test can see it.
    const { runner, app } = install(
      '#!/bin/sh\nhead -c 67108864 /dev/zero\ntouch "$0.wrote-all"\necho last-line >&2\n',
    )
    const wrote = join(app, "operator-scripts/run-before-backup.wrote-all")
    const child = spawn(runner, [], { stdio: ["ignore", "pipe", "pipe"] })
    child.stdout.pause()
    let stderr = ""
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    await new Promise((resolve) => setTimeout(resolve, 3000))
    // 64 MiB cannot fit in the runner's 1 MiB and two pipes: the script still waits, and the
    // runner has not taken its output into memory (before, it read all of it at once).
    assert.isFalse(existsSync(wrote))
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1])
    assert.isBelow(rss, 48 * 1024, "the runner's resident memory, KiB")
    let bytes = 0
    child.stdout.on("data", (chunk: Buffer) => {
      bytes += chunk.length
    })
    child.stdout.resume()
    const { code } = await exited(child)
    assert.strictEqual(code, 0, stderr)
    assert.strictEqual(bytes, 67_108_864)
    assert.strictEqual(stderr, "last-line\n")
    assert.isTrue(existsSync(wrote)) // the mark the test waited on is where it looked
  }, 120_000)

  for (const cgroups of ["as the machine offers them", "read-only (a container)"]) {
    it(`a leftover ignoring SIGTERM under a setsid child is gone when the record counts it (cgroups ${cgroups})`, () => {
      const marker = `${process.pid}${Date.now()}`.slice(-9)
      const { runner, runs, app } = install(
        `#!/bin/sh\ngrep -q '^0::.*backup-integrator-run-' /proc/self/cgroup && echo in-run-cgroup\n` +
          `mkfifo "$1/ready"\n` +
          `setsid sh -c 'trap "" TERM; sleep 9${marker} & echo > "$1/ready"; wait; echo' sh "$1" &\n` +
          `read x < "$1/ready"\n`,
      )
      const readOnly = cgroups.startsWith("read-only")
      const result = spawnSync(
        "unshare",
        [
          "-m",
          "sh",
          "-c",
          `if [ -n "$READ_ONLY" ]; then for m in $(grep ' - cgroup2 ' /proc/self/mountinfo | cut -d' ' -f5); do
             mount --bind "$m" "$m" && mount -o remount,bind,ro "$m" || exit 99; done; fi
           exec "$RUNNER" "$APP"`,
        ],
        {
          env: { ...process.env, RUNNER: runner, APP: app, READ_ONLY: readOnly ? "1" : "" },
          encoding: "utf8",
        },
      )
      try {
        assert.strictEqual(result.status, 0, result.stderr)
        if (readOnly) assert.strictEqual(result.stdout, "")
        assert.deepStrictEqual(alive(`sleep 9${marker}`), [])
        assert.strictEqual(records(runs)[0].stoppedLeftovers, 2)
      } finally {
        killAll(`sleep 9${marker}`)
      }
    }, 60_000)
  }

  it.skipIf(ownCgroup() === undefined)(
    "the cgroup of a runner killed with its guard is emptied and removed by the next run",
    async () => {
      const marker = `${process.pid}${Date.now()}`.slice(-9)
      const dead = spawnSync("true").pid
      const stale = join(
        ownCgroup() ?? "",
        `backup-integrator-run-${statSync("/proc/self/ns/pid").ino}-${dead}`,
      )
      mkdirSync(stale)
      const left = spawn("sh", ["-c", `echo $$ > "${stale}/cgroup.procs" && exec sleep 9${marker}`], {
        stdio: "ignore",
        detached: true,
      })
      try {
        while (alive(`sleep 9${marker}`).length === 0) await new Promise((r) => setTimeout(r, 20))
        const { runner } = install("#!/bin/sh\necho done\n")
        assert.strictEqual(run(runner).status, 0)
        assert.deepStrictEqual(await gone(`sleep 9${marker}`), [])
        assert.isFalse(existsSync(stale))
      } finally {
        left.kill("SIGKILL")
        for (let i = 0; i < 100 && existsSync(stale); i++) {
          try {
            rmdirSync(stale)
          } catch {
            await new Promise((r) => setTimeout(r, 50))
          }
        }
      }
    },
    60_000,
  )

  it("a runner killed by SIGKILL takes its script's whole tree with it", async () => {
    const marker = `${process.pid}${Date.now()}`.slice(-9)
    const { runner } = install(
      `#!/bin/sh\nsleep 7${marker} | sleep 8${marker} &\nsetsid sleep 9${marker} &\n` +
        `grep -q '^0::.*backup-integrator-run-' /proc/self/cgroup && echo in-run-cgroup\necho ready\nwait\n`,
    )
    const child = spawn(runner, [], { stdio: ["ignore", "pipe", "inherit"] })
    let stdout = ""
    await new Promise<void>((resolve) =>
      child.stdout?.on("data", (chunk) => {
        stdout += chunk
        if (stdout.includes("ready")) resolve()
      }),
    )
    child.kill("SIGKILL")
    await exited(child)
    try {
      assert.deepStrictEqual(await gone(`sleep [78]${marker}`), [])
      // A process that left the script's session is found through the run's cgroup alone.
      if (stdout.includes("in-run-cgroup")) assert.deepStrictEqual(await gone(`sleep 9${marker}`), [])
    } finally {
      killAll(`sleep [789]${marker}`)
    }
  }, 60_000)

  it("a SIGTERM that comes before the runner has started anything is held, forwarded once the script runs, and recorded", async () => {
    const marker = `${process.pid}${Date.now()}`.slice(-9)
    const { runner, runs } = install(`#!/bin/sh\nsleep 9${marker} & wait\n`)
    const childless = (pid: number) => {
      try {
        return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8") === ""
      } catch {
        return false
      }
    }
    // A busy machine may let the moment pass unseen: tried again, up to 20 times.
    let early = false
    try {
      for (let attempt = 0; attempt < 20 && !early; attempt++) {
        const child = spawn(runner, [], { stdio: "ignore" })
        const pid = child.pid ?? 0
        let running = true
        const done = exited(child).finally(() => {
          running = false
        })
        while (running && !holdsSigterm(pid)) await new Promise((r) => setImmediate(r))
        early = running && childless(pid)
        child.kill("SIGTERM")
        const { signal } = await done
        assert.strictEqual(signal, "SIGTERM")
        const newest = records(runs).at(-1)
        assert.strictEqual(newest.pid, pid)
        assert.include(newest, { signal: "SIGTERM" })
        assert.deepStrictEqual(newest.forwardedSignals, ["SIGTERM"])
      }
      assert.isTrue(early, "never seen holding SIGTERM before it started anything")
      assert.deepStrictEqual(await gone(`sleep 9${marker}`), [])
    } finally {
      killAll(`sleep 9${marker}`)
    }
  }, 120_000)

  it("SIGTERM or SIGKILL at any moment of 240 starts: no process is left; a run whose script started, or whose runner held the SIGTERM, is recorded", async () => {
    const marker = `${process.pid}${Date.now()}`.slice(-7)
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
    const { runner, runs, app } = install('#!/bin/sh\n: > "${0%/*}/../started-$1"\nsleep "$1" & wait\n')
    // How long a start takes on this machine now: the signals are spread over it.
    const calibration = Date.now()
    await exited(spawn(runner, ["0"], { stdio: "ignore" }))
    const span = Math.max(Date.now() - calibration, 20)
    let held = 0
    const one = async (id: string, signal: "SIGTERM" | "SIGKILL") => {
      const child = spawn(runner, [id], { stdio: "ignore" })
      const done = exited(child)
      await new Promise((r) => setTimeout(r, Math.random() * span * 1.2))
      const holding = holdsSigterm(child.pid ?? 0)
      child.kill(signal)
      await done
      return { id, pid: child.pid, signal, holding }
    }
    try {
      for (let batch = 0; batch < 60; batch++) {
        const ended = await Promise.all(
          [0, 1, 2, 3].map((j) =>
            one(`${marker}${batch * 4 + j + 100}`, j % 2 === 0 ? "SIGTERM" : "SIGKILL"),
          ),
        )
        // At most 4 runs since the last check: their records are among the 10 kept.
        const recorded = new Map(records(runs).map((record) => [record.pid, record]))
        for (const { id, pid, signal, holding } of ended) {
          if (signal !== "SIGTERM") continue
          if (holding) held++
          if (holding || existsSync(join(app, `started-${id}`)))
            assert.deepStrictEqual(recorded.get(pid)?.forwardedSignals, ["SIGTERM"], `run ${id}`)
        }
      }
      assert.deepStrictEqual(await gone(`sleep ${marker}`), [])
      assert.isAbove(held, 0)
    } finally {
      killAll(`sleep ${marker}`)
    }
  }, 600_000)
})

describe("the runner's records and files", () => {
  it("output with NUL, escape and other control characters: the record is valid JSON and keeps the text", () => {
    const { runner, runs } = install(
      "#!/bin/sh\nprintf 'nul:\\000 esc:\\033[31m bell:\\007 bad:\\377 sep:\\342\\200\\250\\n'\n",
    )
    assert.strictEqual(run(runner).status, 0)
    const [name] = readdirSync(runs)
    const text = readFileSync(join(runs, name ?? ""), "utf8")
    assert.isFalse(
      [...text].some((c) => c.charCodeAt(0) < 0x20),
      "a raw control character in the file",
    )
    assert.strictEqual(
      JSON.parse(text).output,
      "nul:\u0000 esc:\u001b[31m bell:\u0007 bad:\ufffd sep:\u2028\n",
    )
  })

  it("a script switched between #! and shebang-less versions while runs go on: each run runs one of them, never 126", async () => {
    const { runner, app } = install("#!/bin/sh\necho with\n")
    writeFileSync(join(app, "with"), "#!/bin/sh\necho with\n", { mode: 0o700 })
    writeFileSync(join(app, "without"), "echo without\n", { mode: 0o700 })
    // As the charm replaces a script: a whole new file renamed over the old one, over and over.
    const swapper = spawn(
      "python3",
      [
        "-c",
        `import os, shutil, sys
app = sys.argv[1]
while not os.path.exists(app + "/stop"):
    for version in ("with", "without"):
        shutil.copy(app + "/" + version, app + "/next")
        os.rename(app + "/next", app + "/operator-scripts/run-before-backup")`,
        app,
      ],
      { stdio: "ignore" },
    )
    const outcomes: Array<string> = []
    const one = () =>
      new Promise<void>((resolve) => {
        const child = spawn(runner, [], { stdio: ["ignore", "pipe", "pipe"] })
        let output = ""
        child.stdout?.on("data", (chunk) => {
          output += chunk
        })
        child.stderr?.on("data", (chunk) => {
          output += chunk
        })
        child.on("close", (code) => {
          outcomes.push(`${code} ${output}`)
          resolve()
        })
      })
    try {
      for (let batch = 0; batch < 20; batch++) await Promise.all([one(), one(), one()])
    } finally {
      writeFileSync(join(app, "stop"), "")
      await exited(swapper)
    }
    for (const outcome of outcomes) assert.oneOf(outcome, ["0 with\n", "0 without\n"])
  }, 300_000)

  it("a temporary record left by a runner killed while saving is removed by the next run; a live runner's is not", () => {
    const { runner, runs } = install("#!/bin/sh\necho done\n")
    run(runner)
    const dead = spawnSync("true").pid
    // The runner's one temporary-file scheme: `.<name>.tmp-<pid of the writer>`.
    const stale = `.1700000000000-${dead}.json.tmp-${dead}`
    const live = `.1700000000000-${process.pid}.json.tmp-${process.pid}`
    writeFileSync(join(runs, stale), "{")
    writeFileSync(join(runs, live), "{")
    assert.strictEqual(run(runner).status, 0)
    const names = readdirSync(runs)
    assert.notInclude(names, stale)
    assert.include(names, live)
    assert.strictEqual(names.filter((name) => name.endsWith(".json")).length, 2)
  })

  for (const removed of ["the application's directory", "/opt/backup-integrator-charm with it"])
    it(`a run that ends after the charm's removal (${removed}) writes nothing, and passes the script's status through`, () => {
      const charmDir = mkdtempSync(join(tmpdir(), "charm-dir-"))
      dirs.push(charmDir)
      const { runner, app } = install(
        '#!/bin/sh\nrm -rf "$1"\necho removed\n',
        undefined,
        join(charmDir, "app"),
      )
      const gone = removed.startsWith("/opt") ? charmDir : app
      const result = run(runner, [gone])
      assert.strictEqual(result.status, 0, result.stderr)
      assert.strictEqual(result.stdout, "removed\n")
      assert.isFalse(existsSync(gone))
      assert.include(result.stderr, `could not record this run of run-before-backup: ${app} no longer exists`)
    })

  for (const [what, prepare, said] of [
    ["owned by another user", (dir: string) => chownSync(dir, 4242, 4242), "is owned by uid 4242"],
    ["writable by its group", (dir: string) => chmodSync(dir, 0o770), "is writable by others"],
    ["writable by everyone", (dir: string) => chmodSync(dir, 0o1777), "is writable by others"],
  ] as const) {
    it(`runs/ ${what}: not recorded in, nothing in it pruned or followed, and said on stderr`, () => {
      const { runner, app, runs } = install("#!/bin/sh\necho done\nexit 4\n")
      mkdirSync(runs, { recursive: true, mode: 0o700 })
      const outside = join(app, "outside")
      writeFileSync(outside, "theirs")
      for (let i = 0; i < 12; i++) writeFileSync(join(runs, `${1700000000000 + i}-1.json`), "{}")
      symlinkSync(outside, join(runs, "1600000000000-1.json"))
      prepare(join(app, "runs"))
      const before = readdirSync(runs).sort()
      const result = run(runner)
      assert.strictEqual(result.status, 4)
      assert.strictEqual(result.stdout, "done\n")
      assert.include(
        result.stderr,
        `could not record this run of run-before-backup: ${join(app, "runs")} ${said}: not recording there`,
      )
      assert.deepStrictEqual(readdirSync(runs).sort(), before)
      assert.strictEqual(readFileSync(outside, "utf8"), "theirs")
    })
  }

  it("runs/<option> a link: not followed, not recorded in", () => {
    const { runner, app, runs } = install("#!/bin/sh\necho done\n")
    const elsewhere = mkdtempSync(join(tmpdir(), "elsewhere-"))
    dirs.push(elsewhere)
    mkdirSync(join(app, "runs"), { mode: 0o700 })
    symlinkSync(elsewhere, runs)
    const result = run(runner)
    assert.strictEqual(result.status, 0)
    assert.include(result.stderr, `${runs} is not a directory (a link?): not recording there`)
    assert.deepStrictEqual(readdirSync(elsewhere), [])
  })
})
