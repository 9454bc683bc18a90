import * as Schema from "effect/Schema"
import type { ScriptOption } from "./options.ts"

/**
 * An application databag of the `backup` relation as Juju returns it. The keys this charm
 * publishes are `fileset` and the run-* options; any other key is stale and gets deleted.
 */
export const Databag = Schema.Record(Schema.String, Schema.String)
export type Databag = typeof Databag.Type

/** What the leader publishes: the fileset and, by option, the path of its runner on every machine. */
export interface BackupSpec {
  readonly fileset: ReadonlyArray<string>
  readonly scripts: ReadonlyArray<{ readonly option: ScriptOption; readonly path: string }>
}

export const databagOf = (spec: BackupSpec): Databag => {
  const bag: Record<string, string> = { fileset: spec.fileset.join(",") }
  for (const { option, path } of spec.scripts) bag[option] = path
  return bag
}

/**
 * The `relation-set` arguments turning `current` into exactly `desired`: changed keys with
 * their new value, dropped keys with `""` (which deletes them). Empty when nothing differs.
 */
export const databagChanges = (current: Databag, desired: Databag): Databag => {
  const changes: Record<string, string> = {}
  for (const [key, value] of Object.entries(desired)) {
    if (current[key] !== value) changes[key] = value
  }
  for (const key of Object.keys(current)) {
    if (!(key in desired)) changes[key] = ""
  }
  return changes
}

/** The INFO line for a newly published spec: keys and paths, never script contents. */
export const describeSpec = (spec: BackupSpec, relationIds: ReadonlyArray<string>): string => {
  const fileset = spec.fileset.join(",")
  const shown = fileset.length > 1000 ? `${fileset.slice(0, 1000)}...` : fileset
  const scripts = spec.scripts.map(({ option, path }) => ` ${option}=${path}`).join("")
  const count = `${spec.fileset.length} path${spec.fileset.length === 1 ? "" : "s"}`
  return `published backup spec on ${relationIds.join(", ")}: fileset=${shown} (${count})${scripts}`
}
