// The runner the charm installs (src/runner/runner.py), run as Bacula runs it: a real process,
// real scripts, real signals, a real full disk.
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, assert, describe, it } from "vitest"
import runnerSource from "../../src/runner/runner.py"

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** An application directory holding `script` as run-before-backup, with its runner. */
const install = (script: string | undefined, settings?: object, appDir?: string) => {
  const app = appDir ?? mkdtempSync(join(tmpdir(), "runner-"))
  if (appDir === undefined) dirs.push(app)
  mkdirSync(join(app, "scripts"), { recursive: true })
  mkdirSync(join(app, "operator-scripts"), { recursive: true, mode: 0o700 })
  const runner = join(app, "scripts/run-before-backup")
  writeFileSync(runner, runnerSource, { mode: 0o700 })
  if (script !== undefined)
    writeFileSync(join(app, "operator-scripts/run-before-backup"), script, { mode: 0o700 })
  if (settings !== undefined) writeFileSync(join(app, "runner.json"), JSON.stringify(settings))
  return { app, runner, runs: join(app, "runs/run-before-backup") }
}

const records = (runs: string) =>
  readdirSync(runs)
    .sort()
    .map((name) => JSON.parse(readFileSync(join(runs, name), "utf8")))

const run = (runner: string, args: ReadonlyArray<string> = []) =>
  spawnSync(runner, args, { encoding: "utf8", maxBuffer: 1 << 28, timeout: 60_000 })

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

  it("forwards SIGTERM (Bacula cancelling the job) to the script, and passes its exit through", async () => {
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
    const start = Date.now()
    const result = run(runner)
    assert.strictEqual(result.status, 0)
    assert.strictEqual(result.stdout, "started\n")
    assert.isBelow(Date.now() - start, 5000)
    assert.deepStrictEqual(alive(`sleep [678]${marker}`), [])
    assert.strictEqual(records(runs)[0].stoppedLeftovers, 3)
  })

  it("at script-timeout the whole tree is stopped, detached children too, and the run ends with 124", () => {
    const marker = `${process.pid}${Date.now()}`.slice(-9)
    const { runner, runs } = install(
      `#!/bin/sh\necho working\nsetsid sleep 9${marker} &\nsleep 5${marker}\necho never\n`,
      { timeout: 1 },
    )
    const start = Date.now()
    const result = run(runner)
    assert.strictEqual(result.status, 124)
    assert.isBelow(Date.now() - start, 5000)
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
    assert.isAtLeast(Date.now() - start, 10_000)
    assert.isBelow(Date.now() - start, 20_000)
    assert.include(records(runs)[0], { timedOut: true, signal: "SIGKILL" })
  }, 30_000)

  it("huge output passes through whole; the record keeps only its last lines, at most 4 KiB", () => {
    const { runner, runs } = install("#!/bin/sh\nseq 1 5000000\necho last-line >&2\n")
    const result = run(runner)
    assert.strictEqual(result.status, 0)
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
        `set -e; mkdir "$APP/runs"; mount -t tmpfs -o size=64k tmpfs "$APP/runs"
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
