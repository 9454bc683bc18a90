import type { ScriptOption } from "./options.ts"

/**
 * Where the charm keeps its files on the machine, below `optDir` (`/opt` under Juju). The
 * paths hold the application name, never the unit name: the leader publishes one path for
 * every machine, so every unit must install its runners at that same path.
 */
export const charmDirectory = (optDir: string): string => `${optDir}/backup-integrator-charm`

export const appDirectory = (optDir: string, appName: string): string =>
  `${charmDirectory(optDir)}/${appName}`

/** The runners, at the paths the leader publishes: `scripts/<option>`, the name Bacula's jobs know. */
export const runnersDirectory = (optDir: string, appName: string): string =>
  `${appDirectory(optDir, appName)}/scripts`

export const runnerPath = (optDir: string, appName: string, option: ScriptOption): string =>
  `${runnersDirectory(optDir, appName)}/${option}`

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

/**
 * The operator's scripts, root only. The path published for each is the runner's
 * (`runnerPath`), which runs the script of the same name here.
 */
export const operatorScriptsDirectory = (optDir: string, appName: string): string =>
  `${appDirectory(optDir, appName)}/operator-scripts`

export const operatorScriptPath = (optDir: string, appName: string, option: ScriptOption): string =>
  `${operatorScriptsDirectory(optDir, appName)}/${option}`

/** The runner's settings (src/domain/runner-settings.ts): the same for every script. */
export const runnerSettingsPath = (optDir: string, appName: string): string =>
  `${appDirectory(optDir, appName)}/runner.json`

/**
 * The textfile directories the runner wrote the metrics file in, which it keeps (root only)
 * so that none is left behind when metrics-directory changes or the application goes.
 */
export const keptMetricsDirectoriesPath = (optDir: string, appName: string): string =>
  `${appDirectory(optDir, appName)}/metrics-directories.json`

/** Where the runner records the runs of every script, a directory each (root only). */
export const runsRootDirectory = (optDir: string, appName: string): string =>
  `${appDirectory(optDir, appName)}/runs`

/**
 * The job journal (src/domain/job-journal.ts), which the runners keep under an exclusive lock
 * on `jobs.lock` beside it (root only).
 */
export const jobJournalPath = (optDir: string, appName: string): string =>
  `${appDirectory(optDir, appName)}/jobs.json`

/** Where the runner records the runs of one script (root only). */
export const runsDirectory = (optDir: string, appName: string, option: ScriptOption): string =>
  `${runsRootDirectory(optDir, appName)}/${option}`

/** A unit's marker in `unitsDirectory`, which holds its record of the last reconcile. */
export const unitRecordPath = (optDir: string, appName: string, unitNumber: number): string =>
  `${unitsDirectory(optDir, appName)}/${unitNumber}`

/**
 * Beside it, what `dispatch` reads to end update-status without the program
 * (src/domain/update-status-memo.ts); `dispatch` builds the same path.
 */
export const updateStatusMemoPath = (optDir: string, appName: string, unitNumber: number): string =>
  `${unitsDirectory(optDir, appName)}/${unitNumber}.update-status`

/**
 * The keys of the credentials secret, one root-only file each: the runner gives scripts this
 * directory as `CREDENTIALS_DIRECTORY`, systemd's name for a service's credentials.
 */
export const credentialsDirectory = (optDir: string, appName: string): string =>
  `${appDirectory(optDir, appName)}/credentials`

/**
 * What the runner (src/runner/) runs with, as its `#!` line names it: on every Ubuntu
 * base the charm lists, but a machine trimmed of it would fail every script in Bacula's job.
 */
export const runnerInterpreter = "/usr/bin/python3"
