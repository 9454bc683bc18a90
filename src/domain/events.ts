/** The event a hook is for, from `JUJU_DISPATCH_PATH` (`hooks/config-changed` → `config-changed`). */
export const eventOf = (dispatchPath: string): string => dispatchPath.slice(dispatchPath.lastIndexOf("/") + 1)

/** The action a hook runs, from `JUJU_DISPATCH_PATH` (`actions/run-script` → `run-script`). */
export const actionOf = (dispatchPath: string): string | undefined =>
  dispatchPath.startsWith("actions/") ? dispatchPath.slice("actions/".length) : undefined

/**
 * The most frequent event (every five minutes, on every unit): it checks what the last
 * reconcile left instead of reconciling, as nothing Juju knows changes without an event of its
 * own. `dispatch` names it too: it starts no `config-get` for it.
 */
export const updateStatusEvent = "update-status"

/**
 * The unit is going away: the one event that cleans up instead of reconciling. `dispatch`
 * names it too: it starts no `config-get` for it.
 */
export const removeEvent = "remove"

/**
 * Events Juju runs in a restricted context, where `config-get`, `relation-*`, `is-leader` and
 * `status-set` refuse: the charm has nothing to do in them and calls no hook tool. `dispatch`
 * names them too.
 */
export const restrictedEvents: ReadonlySet<string> = new Set(["meter-status-changed", "collect-metrics"])

/**
 * Events around which Juju's agent sets the unit's workload status itself (maintenance before
 * `install` and `stop`, `unknown` after `start` if the charm never set one, `terminated` after
 * `stop`: its uniter's runhook.go): the status is set then even when it is what was shown.
 */
export const eventsJujuSetsStatusAround: ReadonlySet<string> = new Set(["install", "start", "stop"])
