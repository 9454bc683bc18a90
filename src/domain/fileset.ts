import * as Result from "effect/Result"
import { displayJson, hiddenChar } from "./display-json.ts"
import { InvalidFileset, MissingFileset } from "./failures.ts"

/** Longest path accepted, in UTF-8 bytes (Linux PATH_MAX). */
export const maxPathBytes = 4096

/**
 * What Bacula's configuration lexer gives a meaning to in the unquoted `File = <path>` line
 * that bacula-server writes for each path: it ends the token (`= ; # { } ,`), escapes (`\`)
 * or quotes (`"`). Anything else, letters of any script, marks, symbols and `' ( ) [ ] ! & $`
 * among them, it reads as part of the name.
 */
const lexerChars = new Set(['"', "#", ";", "=", "{", "}", "\\", ","])

/** Bacula does not expand these in `File =`: it would back up a file literally so named. */
const wildcards = new Set(["*", "?"])

/** ZWNJ and ZWJ are invisible, but Persian and Indic names need them. */
const joiners = new Set(["\u200c", "\u200d"])

/** Whitespace of any kind, control, format and other invisible characters (but the joiners). */
const refusedInvisible = (char: string) =>
  !joiners.has(char) && (hiddenChar.test(char) || /\p{White_Space}/u.test(char))

const describeChar = (char: string): string =>
  char === '"' || char === "\\" ? `'${char}'` : `'${displayJson(char).slice(1, -1)}'`

/** `/var//a/./b/` → `/var/a/b`: empty and `.` segments go, as bacula-fd's own parser drops them. */
export const normalisePath = (path: string): string =>
  `/${path
    .split("/")
    .filter((segment) => segment !== "" && segment !== ".")
    .join("/")}`

/** Why a path is refused, naming the rule it breaks; `undefined` when it obeys them all. */
export const pathViolation = (path: string): string | undefined => {
  if (!path.startsWith("/")) return "not an absolute path"
  for (const char of path) {
    if (wildcards.has(char)) return `wildcard '${char}' is not expanded`
    if (lexerChars.has(char) || refusedInvisible(char))
      return `character ${describeChar(char)} is not allowed`
  }
  if (path.split("/").includes("..")) return '".." segment'
  if (Buffer.byteLength(normalisePath(path), "utf8") > maxPathBytes)
    return `longer than ${maxPathBytes} bytes`
  return undefined
}

/** The entries of the fileset option: comma-separated, trimmed, without empty ones. */
export const splitFileset = (raw: string): ReadonlyArray<string> =>
  raw
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")

/** The fileset to publish, normalised and without repeats (the first kept), or the first reason it cannot be. */
export const parseFileset = (
  raw: string | undefined,
): Result.Result<ReadonlyArray<string>, MissingFileset | InvalidFileset> => {
  const entries = splitFileset(raw ?? "")
  if (entries.length === 0) return Result.fail(new MissingFileset())
  const paths = new Set<string>()
  for (const path of entries) {
    const reason = pathViolation(path)
    if (reason !== undefined) return Result.fail(new InvalidFileset({ path, reason }))
    paths.add(normalisePath(path))
  }
  return Result.succeed([...paths])
}
