/** The event a hook is for, from `JUJU_DISPATCH_PATH` (`hooks/config-changed` → `config-changed`). */
export const eventOf = (dispatchPath: string): string => dispatchPath.slice(dispatchPath.lastIndexOf("/") + 1)

/**
 * The unit is going away: the one event that cleans up instead of reconciling. `dispatch`
 * names it too: it starts no `config-get` for it.
 */
export const removeEvent = "remove"
