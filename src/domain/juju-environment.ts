/** Juju application names, as Juju validates them; the scripts path is built from one. */
const appNamePattern = "[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*"

/**
 * `backup-integrator/0`, or the unit's tag `unit-backup-integrator-0`, which is what Juju
 * sets in a restricted context. An application name never ends in an all-digit segment, so
 * the tag reads one way only.
 */
const unitNamePatterns = [
  new RegExp(`^(${appNamePattern})/(\\d+)$`),
  new RegExp(`^unit-(${appNamePattern})-(\\d+)$`),
]

/** The application and unit number of `JUJU_UNIT_NAME`, if it is a unit name or tag. */
export const parseUnitName = (
  unitName: string,
): { readonly appName: string; readonly unitNumber: number } | undefined => {
  const [, appName, unitNumber] = unitNamePatterns.map((p) => p.exec(unitName)).find(Boolean) ?? []
  return appName === undefined || unitNumber === undefined
    ? undefined
    : { appName, unitNumber: Number(unitNumber) }
}

/**
 * Replaces `/opt` as the root of the scripts directory (its parent then stands for `/` in the
 * default metrics directories: src/domain/metrics-directory.ts). Juju never sets it: it lets
 * the end-to-end tests run the packed charm unprivileged without changing what it does under Juju.
 */
export const optDirVariable = "BACKUP_INTEGRATOR_OPT_DIR"

/** The scripts root: `/opt`, or what {@link optDirVariable} names (undefined if it is not absolute). */
export const optDirOf = (env: Readonly<Record<string, string | undefined>>): string | undefined => {
  const optDir = env[optDirVariable] || "/opt"
  return optDir.startsWith("/") ? optDir.replace(/\/+$/, "") : undefined
}

/**
 * How long a hook tool may take, in seconds, before the hook gives up on it (60 by default).
 * Juju never sets it either: the fault tests shorten it to see a hanging tool handled.
 */
export const hookToolTimeoutVariable = "BACKUP_INTEGRATOR_HOOK_TOOL_TIMEOUT"
