import type { ChildProcess } from "node:child_process"
import { jsonAscii } from "../domain/json-ascii.ts"

// Hook-tool processes in plain Node, no Effect: the hook's entry takes over the call that
// `dispatch` started before the program is loaded (see src/hook.ts). HookTools wraps them.

// Taken with getBuiltinModule rather than imported, as node:fs in ScriptStore: an ESM import
// of a Node module builds a namespace of all its exports, time the hook spends for nothing.
const { execFile } = process.getBuiltinModule("node:child_process")
const { read } = process.getBuiltinModule("node:fs")

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

/** A tool that exited non-zero, in words: its status and the last line it wrote on stderr. */
const exited = (status: number | string, stderr: string): ToolOutcome => {
  const detail = lastLine(stderr)
  return { _tag: "Failed", reason: `exited with status ${status}${detail ? `: ${detail}` : ""}` }
}

/**
 * Starts `tool args…` directly (no shell), `input` on its stdin. Time limits are the
 * caller's: HookTools applies them. Never throws: a tool that cannot be started is a failed
 * outcome like any other.
 */
export const startTool = (tool: string, args: ReadonlyArray<string>, input = ""): ToolProcess => {
  const { promise: outcome, resolve } = Promise.withResolvers<ToolOutcome>()
  let child: ChildProcess
  try {
    child = execFile(tool, args, { encoding: "utf8", maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      if (error === null) return resolve({ _tag: "Printed", stdout })
      if (typeof error.code === "number") return resolve(exited(error.code, stderr))
      resolve({
        _tag: "Failed",
        reason:
          error.code === "ENOENT"
            ? "not found on PATH"
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

/**
 * How a tool started by `dispatch` ended, from what dispatch wrote (see there): the pid
 * line, stdout, NUL, exit status, NUL, stderr. Neither the status nor the stderr holds a
 * NUL, so the last two NULs are dispatch's own, whatever the tool printed.
 */
export const frameOutcome = (frame: Buffer): ToolOutcome => {
  const stdoutStart = frame.indexOf(10) + 1
  const statusEnd = frame.lastIndexOf(0)
  // Searched only past the pid line: lastIndexOf would read a negative offset from the end.
  const statusStart = statusEnd > stdoutStart ? frame.lastIndexOf(0, statusEnd - 1) : -1
  if (stdoutStart === 0 || statusStart < stdoutStart) {
    return { _tag: "Failed", reason: "ended without an exit status" }
  }
  const status = frame.toString("latin1", statusStart + 1, statusEnd)
  if (status === "0") return { _tag: "Printed", stdout: frame.toString("utf8", stdoutStart, statusStart) }
  return exited(status, frame.toString("utf8", statusEnd + 1))
}

/**
 * The `config-get --format=json` that `dispatch` started before Node, taken over from
 * stdin. Read as it comes, so that the tool never waits on a full pipe and its pid, the
 * first line, is known if it has to be killed; killed only before the frame has ended, as
 * after that the pid is no longer the tool's.
 */
export const configGetFromDispatch = (): ToolProcess => {
  const chunks: Array<Buffer> = []
  let headRead = false
  let pid: number | undefined
  let ended = false
  let killWanted = false
  const { promise: frame, resolve: end } = Promise.withResolvers<ToolOutcome>()
  const stop = () => {
    if (pid === undefined || ended) return
    try {
      process.kill(pid, "SIGKILL")
    } catch {
      // Gone already.
    }
  }
  const readMore = () =>
    read(0, Buffer.allocUnsafe(1 << 16), 0, 1 << 16, null, (error, size, chunk) => {
      if (error !== null || size === 0) {
        ended = true
        return end(
          error === null
            ? frameOutcome(Buffer.concat(chunks))
            : { _tag: "Failed", reason: `could not be read from dispatch: ${error.code}` },
        )
      }
      chunks.push(chunk.subarray(0, size))
      if (!headRead) {
        const head = Buffer.concat(chunks)
        const newline = head.indexOf(10)
        headRead = newline >= 0
        const line = head.toString("latin1", 0, Math.max(newline, 0))
        if (/^[1-9]\d*$/.test(line)) pid = Number(line)
        if (killWanted) stop()
      }
      readMore()
    })
  readMore()
  const kill = () => {
    killWanted = true
    stop()
    return frame.then(() => {})
  }
  return { outcome: frame, kill }
}
