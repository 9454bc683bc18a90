// What the charm declares in charmcraft.yaml, as Juju reads it from the charm: its options,
// its actions, its relation endpoints, and so the events Juju may send it.
import { readFileSync } from "node:fs"
import { parse } from "yaml"
import type { DeclaredAction } from "../../test/emulator/action-params.ts"

interface DeclaredOption {
  readonly type: string
  readonly default?: unknown
  readonly description?: string
}

export interface CharmDeclarations {
  readonly name: string
  readonly options: Readonly<Record<string, DeclaredOption>>
  readonly actions: Readonly<Record<string, DeclaredAction>>
  /** Every relation endpoint (requires, provides, peers), with its interface. */
  readonly endpoints: Readonly<Record<string, string>>
}

export const readDeclarations = (file = "charmcraft.yaml"): CharmDeclarations => {
  const charm = parse(readFileSync(file, "utf8"))
  const endpoints = Object.fromEntries(
    ["requires", "provides", "peers"].flatMap((role) =>
      Object.entries((charm[role] ?? {}) as Record<string, { interface: string }>).map(([name, endpoint]) => [
        name,
        endpoint.interface,
      ]),
    ),
  )
  return {
    name: charm.name,
    options: charm.config?.options ?? {},
    actions: charm.actions ?? {},
    endpoints,
  }
}

/** Hooks Juju runs on a machine charm that are not about one relation. */
const unitEvents = [
  "install",
  "start",
  "config-changed",
  "upgrade-charm",
  "update-status",
  "leader-elected",
  "leader-settings-changed",
  "secret-changed",
  "secret-remove",
  "secret-rotate",
  "secret-expired",
  "pre-series-upgrade",
  "post-series-upgrade",
  "collect-metrics",
  "meter-status-changed",
  "stop",
  "remove",
]

const relationEvents = ["created", "joined", "changed", "departed", "broken"]

/** Every event Juju may send this charm, its relations' included. */
export const eventsOf = (charm: CharmDeclarations): ReadonlyArray<string> => [
  ...unitEvents,
  ...Object.keys(charm.endpoints).flatMap((endpoint) =>
    relationEvents.map((event) => `${endpoint}-relation-${event}`),
  ),
]

/** The endpoint of a relation event (`backup-relation-changed` → `backup`), or undefined. */
export const relationEventOf = (
  charm: CharmDeclarations,
  event: string,
): { readonly endpoint: string; readonly kind: string } | undefined => {
  const endpoint = Object.keys(charm.endpoints).find((name) => event.startsWith(`${name}-relation-`))
  return endpoint === undefined ? undefined : { endpoint, kind: event.slice(`${endpoint}-relation-`.length) }
}
