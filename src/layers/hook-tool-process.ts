import { execFile } from "node:child_process"

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
 * Starts `tool args…` directly (no shell), `input` on its stdin. Plain Node and no Effect:
 * the hook's entry starts its first call with it before loading the program (see
 * src/hook.ts). Time limits are the caller's: HookTools applies them.
 */
export const startTool = (tool: string, args: ReadonlyArray<string>, input = ""): ToolProcess => {
  let kill = () => Promise.resolve()
  const outcome = new Promise<ToolOutcome>((resolve) => {
    const child = execFile(tool, args, { encoding: "utf8", maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      if (error === null) return resolve({ _tag: "Printed", stdout })
      const detail = stderr.trim().split("\n").at(-1)?.slice(0, 300)
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
    // A tool that exits without reading its input is not a second fault.
    child.stdin?.on("error", () => {})
    child.stdin?.end(input)
    // "exit" when the process is gone, or "error" when it never started.
    const gone = new Promise<void>((done) => {
      child.once("exit", () => done())
      child.once("error", () => done())
    })
    kill = () => {
      child.kill("SIGKILL")
      return gone
    }
  })
  return { outcome, kill }
}
