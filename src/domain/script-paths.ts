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
