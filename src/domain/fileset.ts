import * as Result from "effect/Result"
import { InvalidFileset, MissingFileset } from "./failures.ts"
import { jsonAscii } from "./json-ascii.ts"

/** Longest path accepted, in UTF-8 bytes (Linux PATH_MAX). */
export const maxPathBytes = 4096

/**
 * Characters a fileset path may hold. bacula-server writes each path unquoted into a
 * `File = <path>` line of the Director's configuration, so anything its lexer could read
 * as syntax (space, quote, brace, `#`, `\`, `,`, newline...) must never reach it.
 */
const allowedChar = /^[\p{L}\p{Nd}/._\-+@%~:]$/u

const describeChar = (char: string): string => {
  const quoted = jsonAscii(char)
  return char === '"' || char === "\\" ? `'${char}'` : `'${quoted.slice(1, -1)}'`
}

/** Why a path is refused, naming the rule it breaks; `undefined` when it obeys them all. */
export const pathViolation = (path: string): string | undefined => {
  if (!path.startsWith("/")) return "not an absolute path"
  for (const char of path) {
    if (!allowedChar.test(char)) return `character ${describeChar(char)} is not allowed`
  }
  for (const segment of path.split("/")) {
    if (segment === "." || segment === "..") return `"${segment}" segment`
  }
  if (path.includes("//")) return '"//" (empty segment)'
  if (Buffer.byteLength(path, "utf8") > maxPathBytes) return `longer than ${maxPathBytes} bytes`
  return undefined
}

/** The paths named by the fileset option: comma-separated, trimmed, without empties or repeats. */
export const splitFileset = (raw: string): ReadonlyArray<string> => [
  ...new Set(
    raw
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ""),
  ),
]

/** The fileset to publish, or the first reason it cannot be. */
export const parseFileset = (
  raw: string | undefined,
): Result.Result<ReadonlyArray<string>, MissingFileset | InvalidFileset> => {
  const paths = splitFileset(raw ?? "")
  if (paths.length === 0) return Result.fail(new MissingFileset())
  for (const path of paths) {
    const reason = pathViolation(path)
    if (reason !== undefined) return Result.fail(new InvalidFileset({ path, reason }))
  }
  return Result.succeed(paths)
}
