import type { ChildProcess } from "node:child_process"
import { jsonAscii } from "../domain/json-ascii.ts"

// Taken with getBuiltinModule rather than imported, as node:fs in ScriptStore: an ESM import
// of a Node module builds a namespace of all its exports, time the hook spends for nothing.
const { execFile } = process.getBuiltinModule("node:child_process")

/** How a hook-tool process ended: what it printed, or why it failed in words for the status line. */
export type ToolOutcome =
  | { readonly _tag: "Printed"; readonly stdout: string }
  | { readonly _tag: "Failed"; readonly reason: string }

/** A hook tool started as a process of its own, running until it exits or is killed. */
export interface ToolProcess {
  readonly outcome: Promise<ToolOutcome>
  /** Kills the tool (if still running); settles once the process is gone, so no hook outlives its tools. */
  readonly kill: () => Promise<void>
}

/**
 * The last line a failed tool wrote on stderr. It goes into the fault line and into a
 * `juju-log` argument: anything but printable ASCII is shown escaped, never raw.
 */
const lastLine = (stderr: string) => {
  const line = stderr.trim().split("\n").at(-1)?.slice(0, 300) ?? ""
  return /^[\x20-\x7e]*$/.test(line) ? line : jsonAscii(line)
}

/**
 * Starts `tool args…` directly (no shell), `input` on its stdin. Plain Node and no Effect:
 * the hook's entry starts its first call with it before loading the program (see
 * src/hook.ts). Time limits are the caller's: HookTools applies them. Never throws: a tool
 * that cannot be started is a failed outcome like any other.
 */
export const startTool = (tool: string, args: ReadonlyArray<string>, input = ""): ToolProcess => {
  const { promise: outcome, resolve } = Promise.withResolvers<ToolOutcome>()
  let child: ChildProcess
  try {
    child = execFile(tool, args, { encoding: "utf8", maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      if (error === null) return resolve({ _tag: "Printed", stdout })
      const detail = lastLine(stderr)
      resolve({
        _tag: "Failed",
        reason:
          error.code === "ENOENT"
            ? "not found on PATH"
            : typeof error.code === "number"
              ? `exited with status ${error.code}${detail ? `: ${detail}` : ""}`
              : error.signal
                ? `killed by ${error.signal}`
                : error.message,
      })
    })
  } catch (error) {
    // Node refuses some arguments (a NUL byte) before any process exists. Its message
    // quotes the argument: only the code is kept, so no input is echoed.
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error"
    resolve({ _tag: "Failed", reason: `could not be started: ${code}` })
    return { outcome, kill: () => Promise.resolve() }
  }
  // A tool that exits without reading its input is not a second fault.
  child.stdin?.on("error", () => {})
  child.stdin?.end(input)
  // "exit" when the process is gone, or "error" when it never started.
  const gone = new Promise<void>((done) => {
    child.once("exit", () => done())
    child.once("error", () => done())
  })
  const kill = () => {
    child.kill("SIGKILL")
    return gone
  }
  return { outcome, kill }
}

/** `config-get --format=json`: the first call of every event but `remove`, which the entry may start early. */
export const startConfigGet = () => startTool("config-get", ["--format=json"])
