// Juju's rules that both stand-ins for Juju apply, the hook-tool emulator (processes, a state
// file) and the unit tests' fake (test/support/fake-juju.ts): one statement of each.

/** Hooks Juju runs in a restricted context, where every tool but juju-log refuses. */
export const restrictedEvents: ReadonlySet<string> = new Set(["meter-status-changed", "collect-metrics"])

/** What a tool answers there. */
export const restrictedContextRefusal = "not implemented for restricted context"

/** What a follower is told when it reads or writes its own application's databag. */
export const permissionDenied = "permission denied"

/**
 * `relation-ids`: sorted as strings (`backup:10` before `backup:2`), and, since Juju 3.4, a
 * dying relation with no member left out.
 */
export const listedRelationIds = (
  relations: Readonly<
    Record<string, { readonly dying?: boolean; readonly remoteUnits?: ReadonlyArray<string> }>
  >,
): Array<string> =>
  Object.entries(relations)
    .filter(([, relation]) => !(relation.dying && relation.remoteUnits?.length === 0))
    .map(([id]) => id)
    .sort()

/** A databag with `relation-set`'s changes applied: a key set to `""` is deleted. */
export const withChanges = (
  bag: Readonly<Record<string, string>>,
  changes: Readonly<Record<string, string>> = {},
) => {
  const result = { ...bag }
  for (const [key, value] of Object.entries(changes)) {
    if (value === "") delete result[key]
    else result[key] = value
  }
  return result
}

/** What an action tool answers outside an action's hook. */
export const notInAction = "not running an action"

/**
 * An `action-set` key path: each part starts and ends with a lowercase letter or digit and
 * holds only those and hyphens; Juju keeps `stdout`, `stderr` and their `-encoding` for itself.
 */
export const actionKeyProblem = (path: string): string | undefined => {
  if (["stdout", "stdout-encoding", "stderr", "stderr-encoding"].includes(path))
    return `cannot set reserved action key "${path}"`
  const bad = path.split(".").find((part) => !/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(part))
  return bad === undefined
    ? undefined
    : `key "${bad}" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods`
}

/** `action-set`'s dotted keys as Juju nests them (`a.b=1` → `{a: {b: "1"}}`). */
export const nestResults = (results: Record<string, unknown>, path: string, value: string): void => {
  const parts = path.split(".")
  let at = results
  for (const part of parts.slice(0, -1)) {
    if (typeof at[part] !== "object" || at[part] === null) at[part] = {}
    at = at[part] as Record<string, unknown>
  }
  at[parts.at(-1) as string] = value
}
