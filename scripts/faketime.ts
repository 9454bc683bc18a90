// Debian's libfaketime (scripts/fetch-faketime.sh unpacks it into build/faketime): a process's
// wall clock moved, as a machine whose clock is set ahead or back, or a hook run hours later.
// The one place for its path and environment: the tests and `npm run simulate -- --later` use it.
import { existsSync } from "node:fs"
import { arch } from "node:os"
import { fileURLToPath } from "node:url"

// The project's build, wherever the process runs from.
const library = fileURLToPath(
  new URL(
    `../build/faketime/usr/lib/${arch() === "arm64" ? "aarch64" : "x86_64"}-linux-gnu/faketime/libfaketime.so.1`,
    import.meta.url,
  ),
)

/** Why no clock can be moved here, or undefined when one can. */
export const faketimeMissing = (): string | undefined =>
  existsSync(library) ? undefined : "libfaketime is missing: run `bash scripts/fetch-faketime.sh` first"

/**
 * The environment that moves the clock of a process (and its children) by `offset`: one unit
 * (`+30d`, `-12h`) or seconds (`+43260`); libfaketime reads `+12h1m` as 12 minutes. The
 * monotonic clock is left alone: timeouts keep their length.
 */
export const clockMoved = (offset: string): Record<string, string> => {
  const missing = faketimeMissing()
  if (missing !== undefined) throw new Error(missing)
  return { LD_PRELOAD: library, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: "1" }
}
