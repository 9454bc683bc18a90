import { read } from "node:fs"
import { exited, type ToolOutcome } from "./hook-tool-process.ts"

// The `config-get` that `dispatch` starts before Node, in plain Node, no Effect: the hook's
// entry (src/entry/hook.ts) takes it over before the program is loaded; HookTools wraps it.
//
// The frame `dispatch` writes on the program's stdin (this is its one description):
//
//   <the tool's pid> LF <the tool's stdout> NUL <its exit status> NUL <its stderr, less NULs>
//
// Neither the status nor that stderr can hold a NUL, so the frame is read from its end: the
// last two NULs are dispatch's own, whatever the tool printed.

/** A hook tool started as a process of its own, running until it exits or is killed. */
export interface ToolProcess {
  readonly outcome: Promise<ToolOutcome>
  /** Kills the tool (if still running); settles once its frame has ended, so no hook outlives it. */
  readonly kill: () => Promise<void>
}

/** How a tool started by `dispatch` ended, from its frame. */
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
