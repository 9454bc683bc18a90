declare const BACKUP_INTEGRATOR_BUILD: string | undefined

/**
 * Which build of the charm this program is: a hash of its bundle, which scripts/lay-out-charm.ts
 * stamps in (`unbuilt` when the sources run unbundled, in the tests). The unit's record names
 * it, so that what a record kept of an older build's texts is not shown after a refresh.
 */
export const charmBuild: string =
  typeof BACKUP_INTEGRATOR_BUILD === "string" ? BACKUP_INTEGRATOR_BUILD : "unbuilt"
