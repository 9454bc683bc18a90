import * as Match from "effect/Match"
import { displayJson } from "./display-json.ts"
import type { InvalidFileset, ReconcileStop } from "./failures.ts"

/** A unit status as `status-set` takes it. */
export interface UnitStatus {
  readonly status: "active" | "blocked" | "waiting"
  readonly message: string
}

/** Juju shows a status message on one line; longer ones are cut to this many characters. */
export const maxMessageLength = 120

export const active: UnitStatus = { status: "active", message: "" }

/** Characters as a reader counts them (code points), which is how the limit is kept. */
export const messageLength = (message: string): number => [...message].length

/**
 * The pieces a shown path may be cut between: whole escape sequences, and whole graphemes
 * (a letter with its marks), so that a cut never leaves half of either.
 */
const pieces = (quotedBody: string): ReadonlyArray<string> =>
  quotedBody
    .split(/(\\u[0-9a-f]{4}|\\.)/)
    .flatMap((part, i) =>
      i % 2 === 1 ? [part] : [...new Intl.Segmenter().segment(part)].map(({ segment }) => segment),
    )

/**
 * `invalid fileset: "<path>": <reason>`, the path as a JSON string that shows letters as
 * themselves and hidden characters escaped. A long path is shortened so that the reason
 * always fits in the message.
 */
const invalidFilesetMessage = ({ path, reason }: InvalidFileset): string => {
  const quoted = displayJson(path)
  const full = `invalid fileset: ${quoted}: ${reason}`
  if (messageLength(full) <= maxMessageLength) return full
  const room = maxMessageLength - messageLength(`invalid fileset: "...": ${reason}`)
  let body = ""
  for (const piece of pieces(quoted.slice(1, -1))) {
    if (messageLength(body) + messageLength(piece) > room) break
    body += piece
  }
  return `invalid fileset: "${body}...": ${reason}`
}

/** The one place where a reconcile outcome becomes what the operator sees. */
export const statusOf: (stop: ReconcileStop) => UnitStatus = Match.type<ReconcileStop>().pipe(
  Match.tagsExhaustive({
    MissingFileset: () => ({ status: "blocked", message: "missing fileset config" }) as const,
    InvalidFileset: (failure) => ({ status: "blocked", message: invalidFilesetMessage(failure) }) as const,
    InvalidScript: ({ option }) =>
      ({ status: "blocked", message: `invalid ${option}: script has Windows (CRLF) line endings` }) as const,
    RelationMissing: () => ({ status: "waiting", message: "waiting for backup relation" }) as const,
    NotLeader: () => active,
  }),
)
