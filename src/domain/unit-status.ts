import * as Match from "effect/Match"
import type { InvalidFileset, ReconcileStop } from "./failures.ts"
import { jsonAscii } from "./json-ascii.ts"

/** A unit status as `status-set` takes it. */
export interface UnitStatus {
  readonly status: "active" | "blocked" | "waiting"
  readonly message: string
}

/** Juju shows a status message on one line; longer ones are cut to this. */
export const maxMessageLength = 120

export const active: UnitStatus = { status: "active", message: "" }

/**
 * `invalid fileset: "<path>": <reason>`, the path as an ASCII JSON string so that control
 * and invisible characters show escaped. A long path is shortened (never inside an escape
 * sequence) so that the reason always fits in the message.
 */
const invalidFilesetMessage = ({ path, reason }: InvalidFileset): string => {
  const quoted = jsonAscii(path)
  const full = `invalid fileset: ${quoted}: ${reason}`
  if (full.length <= maxMessageLength) return full
  const room = maxMessageLength - `invalid fileset: "...": ${reason}`.length
  let body = ""
  for (const token of quoted.slice(1, -1).match(/\\u[0-9a-f]{4}|\\.|[^\\]/g) ?? []) {
    if (body.length + token.length > room) break
    body += token
  }
  return `invalid fileset: "${body}...": ${reason}`
}

/** The one place where a reconcile outcome becomes what the operator sees. */
export const statusOf: (stop: ReconcileStop) => UnitStatus = Match.type<ReconcileStop>().pipe(
  Match.tagsExhaustive({
    MissingFileset: () => ({ status: "blocked", message: "missing fileset config" }) as const,
    InvalidFileset: (failure) => ({ status: "blocked", message: invalidFilesetMessage(failure) }) as const,
    InvalidScript: ({ option }) =>
      ({ status: "blocked", message: `invalid ${option}: script must start with #!` }) as const,
    RelationMissing: () => ({ status: "waiting", message: "waiting for backup relation" }) as const,
    NotLeader: () => active,
  }),
)
