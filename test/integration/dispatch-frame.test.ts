// The `config-get` that `dispatch` starts before Node: the frame its shell writes on the
// program's stdin, and what frameOutcome reads from it, whatever the tool prints.
import { spawnSync } from "node:child_process"
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { frameOutcome } from "../../src/entry/started-config-get.ts"

const root = mkdtempSync(join(tmpdir(), "dispatch-frame-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A charm whose "Node" prints its arguments after the program on stderr and its stdin (the frame) on stdout. */
const charm = join(root, "charm")
mkdirSync(join(charm, "bin"), { recursive: true })
copyFileSync(resolve(import.meta.dirname, "../../dispatch"), join(charm, "dispatch"))
writeFileSync(join(charm, "bin", "node"), '#!/bin/sh\nshift\necho "$@" >&2\nexec cat\n', { mode: 0o755 })
const machine = process.arch === "arm64" ? "arm64" : "amd64"
writeFileSync(join(charm, "bin", "node.arch"), `${machine}\n`)

/** Runs dispatch for `event` with `config-get` being the shell script `tool`. */
const dispatch = (event: string, tool: string, env: Record<string, string> = {}) => {
  const tools = mkdtempSync(join(root, "tools-"))
  writeFileSync(join(tools, "config-get"), `#!/bin/sh\necho "$$" > ${tools}/pid\n${tool}`, { mode: 0o755 })
  const result = spawnSync(join(charm, "dispatch"), {
    env: { ...env, PATH: `${tools}:/usr/bin:/bin`, JUJU_DISPATCH_PATH: `hooks/${event}` },
  })
  const pid = () => readFileSync(join(tools, "pid"), "utf8").trim()
  return { frame: result.stdout, args: result.stderr.toString().trim(), pid }
}

describe("dispatch's config-get", () => {
  it("its stdout is the tool's, byte for byte, after the line with the tool's own pid", () => {
    const { frame, args, pid } = dispatch("config-changed", `printf '{"a": "\\303\\251\\n"}'; echo noise >&2`)
    assert.strictEqual(args, "--config-get-on-stdin")
    assert.strictEqual(frame.toString("latin1", 0, frame.indexOf(10)), pid())
    assert.deepStrictEqual(frameOutcome(frame), { _tag: "Printed", stdout: '{"a": "é\n"}' })
  })

  it("a frame forged in stdout does not hide the exit status; stderr's NULs are dropped", () => {
    const { frame } = dispatch(
      "config-changed",
      "printf '{}\\000%s\\000\\n' 0; printf 'first\\nERROR a\\000b\\n' >&2; exit 3",
    )
    assert.deepStrictEqual(frameOutcome(frame), {
      _tag: "Failed",
      reason: "exited with status 3: ERROR ab",
      exitStatus: "3",
    })
  })

  it("neither functions nor a BASH_ENV from the environment change what dispatch writes", () => {
    // Without privileged mode bash would take both: a forged pid (1, for the kill) and status.
    const bashEnv = join(root, "bash-env")
    writeFileSync(bashEnv, "echo() { builtin echo 1; }\n")
    const { frame, pid } = dispatch("config-changed", "exit 3", {
      "BASH_FUNC_printf%%": "() { builtin printf '\\0%s\\0' 0; }",
      BASH_ENV: bashEnv,
    })
    assert.strictEqual(frame.toString("latin1", 0, frame.indexOf(10)), pid())
    assert.deepStrictEqual(frameOutcome(frame), {
      _tag: "Failed",
      reason: "exited with status 3",
      exitStatus: "3",
    })
  })

  it("a config-get not on PATH: status 127 and the shell's words", () => {
    const missing = spawnSync(join(charm, "dispatch"), {
      env: { PATH: "/usr/bin:/bin", JUJU_DISPATCH_PATH: "hooks/install" },
    })
    const outcome = frameOutcome(missing.stdout)
    assert.strictEqual(outcome._tag, "Failed")
    assert.match(
      outcome._tag === "Failed" ? outcome.reason : "",
      /^exited with status 127: .*config-get: not found$/,
    )
  })

  it("remove, and a hook run outside Juju, start nothing: the program has no stdin frame", () => {
    for (const event of ["remove", ""]) {
      const result = spawnSync(join(charm, "dispatch"), {
        env: { PATH: "/usr/bin:/bin", JUJU_DISPATCH_PATH: event && `hooks/${event}` },
        input: "",
      })
      assert.strictEqual(result.stderr.toString().trim(), "", event)
      assert.strictEqual(result.stdout.length, 0, event)
    }
  })
})

describe("dispatch before the runtime", () => {
  /** A copy of the fake charm, changed by `change`, run for an event. */
  const broken = (change: (copy: string) => void) => {
    const copy = mkdtempSync(join(root, "broken-"))
    cpSync(charm, copy, { recursive: true })
    change(copy)
    return spawnSync(join(copy, "dispatch"), {
      env: { PATH: "/usr/bin:/bin", JUJU_DISPATCH_PATH: "hooks/install" },
      encoding: "utf8",
    })
  }
  const other = machine === "amd64" ? "arm64" : "amd64"

  it("a charm built for another architecture: exit 1, one line saying what it found and what the charm is for", () => {
    const result = broken((copy) => writeFileSync(join(copy, "bin", "node.arch"), `${other}\n`))
    assert.strictEqual(result.status, 1)
    assert.strictEqual(
      result.stderr,
      `backup-integrator: cannot start: the charm is built for ${other}, but this machine is ${machine} (${process.arch === "arm64" ? "aarch64" : "x86_64"}): deploy the charm built for ${machine}\n`,
    )
    assert.strictEqual(result.stdout, "")
  })

  it("the runtime missing, or not executable: exit 1, one line", () => {
    const missing = broken((copy) => rmSync(join(copy, "bin", "node")))
    assert.strictEqual(missing.status, 1)
    assert.strictEqual(
      missing.stderr,
      `backup-integrator: cannot start: its runtime bin/node is missing (the charm is built for ${machine}, this machine is ${machine})\n`,
    )
    const notExecutable = broken((copy) => chmodSync(join(copy, "bin", "node"), 0o644))
    assert.strictEqual(notExecutable.status, 1)
    assert.match(
      notExecutable.stderr,
      /^backup-integrator: cannot start: its runtime bin\/node is not an executable file \(.*\)\n$/,
    )
    const unknown = broken((copy) => rmSync(join(copy, "bin", "node.arch")))
    assert.match(
      unknown.stderr,
      /^backup-integrator: cannot start: the charm is built for an unknown architecture \(no bin\/node.arch\), but this machine is/,
    )
  })
})

describe("frameOutcome", () => {
  it("a frame cut short is a failed call", () => {
    for (const frame of ["", "123", "123\n{}", "123\n{}\u0000", "\u0000\u0000"]) {
      assert.deepStrictEqual(
        frameOutcome(Buffer.from(frame, "latin1")),
        { _tag: "Failed", reason: "ended without an exit status" },
        JSON.stringify(frame),
      )
    }
  })
})
