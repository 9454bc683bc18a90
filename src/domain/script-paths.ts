import type { ScriptOption } from "./options.ts"

/**
 * Where the scripts of an application live below the scripts root (`/opt` under Juju).
 * The path holds the application name, never the unit name: the leader publishes one
 * path for every machine, so every unit must install its scripts at that same path.
 */
export const charmDirectory = (optDir: string): string => `${optDir}/backup-integrator-charm`

export const appDirectory = (optDir: string, appName: string): string =>
  `${charmDirectory(optDir)}/${appName}`

export const scriptsDirectory = (optDir: string, appName: string): string =>
  `${appDirectory(optDir, appName)}/scripts`

export const scriptPath = (optDir: string, appName: string, option: ScriptOption): string =>
  `${scriptsDirectory(optDir, appName)}/${option}`

/**
 * One empty file per unit of the application on this machine: two principals on one machine
 * give it two units, and only the last of them to go may delete the shared directory.
 */
export const unitsDirectory = (optDir: string, appName: string): string =>
  `${appDirectory(optDir, appName)}/units`

/**
 * The Python charm of the same name kept its scripts in `<charm directory>/<app>-<unit number>/`.
 * An application name never has an all-digit segment, so every such name is one of those.
 */
export const isPythonEraDirectory = (name: string, appName: string): boolean =>
  name.startsWith(`${appName}-`) && /^\d+$/.test(name.slice(appName.length + 1))
