// Debian's libfaketime (scripts/fetch-faketime.sh unpacks it into build/faketime): a process's
// wall clock moved, as a machine whose clock is set ahead or back, or a hook run hours later.
import { existsSync } from "node:fs"
import { arch } from "node:os"
import { resolve } from "node:path"

const library = resolve(
  `build/faketime/usr/lib/${arch() === "arm64" ? "aarch64" : "x86_64"}-linux-gnu/faketime/libfaketime.so.1`,
)

/**
 * The environment that moves the clock of a process (and its children) by `offset`: one unit
 * (`+30d`, `-12h`) or seconds (`+43260`); libfaketime reads `+12h1m` as 12 minutes. The
 * monotonic clock is left alone: timeouts keep their length.
 */
export const clockMoved = (offset: string): Record<string, string> => {
  if (!existsSync(library))
    throw new Error("libfaketime is missing: run `bash scripts/fetch-faketime.sh` first")
  return { LD_PRELOAD: library, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: "1" }
}
