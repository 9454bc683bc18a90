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
