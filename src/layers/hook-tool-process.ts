import { type SpawnSyncReturns, spawnSync } from "node:child_process"
import { displayJson, hiddenChar } from "../domain/display-json.ts"

// Hook-tool processes in plain Node, no Effect: HookTools wraps them.

/** How a hook-tool process ended: what it printed, or why it failed in words for the status line. */
export type ToolOutcome =
  | { readonly _tag: "Printed"; readonly stdout: string }
  | { readonly _tag: "Failed"; readonly reason: string; readonly exitStatus?: number | string }
  | { readonly _tag: "TimedOut" }

/**
 * The last line a failed tool wrote on stderr. It goes into the fault line and into a
 * `juju-log` argument: a line holding a hidden character is shown escaped, never raw.
 */
const lastLine = (stderr: string) => {
  const line = stderr.trim().split("\n").at(-1)?.slice(0, 300) ?? ""
  return hiddenChar.test(line) ? displayJson(line) : line
}

/** A tool that exited non-zero, in words: its status and the last line it wrote on stderr. */
export const exited = (status: number | string, stderr: string): ToolOutcome => {
  const detail = lastLine(stderr)
  return {
    _tag: "Failed",
    reason: `exited with status ${status}${detail ? `: ${detail}` : ""}`,
    exitStatus: status,
  }
}

/**
 * Runs `tool args…` directly (no shell) to its end, `input` on its stdin; one still running
 * after `timeout` ms is killed. Synchronous: Juju's agent answers one hook-tool call at a time
 * anyway, and Node's synchronous spawn skips the streams and sockets of an asynchronous one,
 * which a hook paid for in CPU on every call. Never throws: a tool that cannot be started
 * is a failed outcome like any other.
 */
export const runTool = (
  tool: string,
  args: ReadonlyArray<string>,
  options: { readonly input?: string | undefined; readonly timeout: number },
): ToolOutcome => {
  let result: SpawnSyncReturns<string>
  try {
    result = spawnSync(tool, args, {
      input: options.input ?? "",
      encoding: "utf8",
      maxBuffer: 1 << 30,
      timeout: options.timeout,
      killSignal: "SIGKILL",
    })
  } catch (error) {
    // Node refuses some arguments (a NUL byte) before any process exists. Its message
    // quotes the argument: only the code is kept, so no input is echoed.
    return {
      _tag: "Failed",
      reason: `could not be started: ${(error as NodeJS.ErrnoException).code ?? "unknown error"}`,
    }
  }
  const code = (result.error as NodeJS.ErrnoException | undefined)?.code
  if (code === "ETIMEDOUT") return { _tag: "TimedOut" }
  if (code === "ENOENT") return { _tag: "Failed", reason: "not found on PATH" }
  if (result.error !== undefined) return { _tag: "Failed", reason: result.error.message }
  if (result.signal !== null) return { _tag: "Failed", reason: `killed by ${result.signal}` }
  if (result.status !== 0) return exited(result.status ?? "unknown", result.stderr)
  return { _tag: "Printed", stdout: result.stdout }
}

/** How HookTools runs a tool: {@link runTool}, or the same counted (src/main.ts). */
export type RunTool = typeof runTool
