import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { DiskError } from "../domain/failures.ts"
import { fingerprintOf } from "../domain/file-fingerprint.ts"
import {
  appDirectory,
  charmDirectory,
  credentialsDirectory,
  isPythonEraDirectory,
  operatorScriptPath,
  operatorScriptsDirectory,
  runnerInterpreter,
  runnerPath,
  runnerSettingsPath,
  runnersDirectory,
  runsDirectory,
  runsRootDirectory,
  unitRecordPath,
  unitsDirectory,
  updateStatusMemoPath,
} from "../domain/machine-paths.ts"
import { type ScriptOption, scriptOptions } from "../domain/options.ts"
import { encodeRunnerSettings, type RunnerSettings } from "../domain/runner-settings.ts"
import type { Script } from "../domain/scripts.ts"
import runnerFile from "../runner/runner.pyz"
import { Descriptors } from "./Descriptors.ts"
import { fileStatOf, list, lstatIfAny, remove, step, writeAtomically } from "./disk-steps.ts"
import { JujuContext } from "./JujuContext.ts"

/** Scripts often hold credentials and Bacula runs them as root: root alone may read them. */
const scriptMode = 0o700

/** The directories on the published paths: others may look, never write. */
const directoryMode = 0o755

/** Root alone may read a credential, and nobody may change it but by a rename. */
const credentialMode = 0o400

/** What the credentials directory is to hold. */
export type Credentials =
  /** No `credentials` option: the directory is emptied, and scripts are not given it. */
  | { readonly _tag: "None" }
  /** A file per key of the secret, and no other. */
  | { readonly _tag: "Files"; readonly files: ReadonlyMap<string, string> }
  /** The secret could not be read or used: the last good files stay, so backups go on. */
  | { readonly _tag: "LastGood" }

/** What the scripts are installed with. */
export interface Installation {
  readonly scripts: ReadonlyArray<Script>
  /** The runner's limit on each run, in seconds; undefined: none. */
  readonly timeout: number | undefined
  readonly credentials: Credentials
  /** The textfile directories the runner writes its metrics in, those that exist. */
  readonly metricsDirectories: ReadonlyArray<string>
  /** `backup-max-age` in seconds, the metrics' deadline; undefined: no check (no deadline in the metrics). */
  readonly backupMaxAge: number | undefined
  /** The paths Bacula backs up, which run-before-backup's runner looks at before Bacula reads them. */
  readonly fileset: ReadonlyArray<string>
}

/** A runner installed on this machine, at the path the leader publishes for its option. */
export interface InstalledRunner {
  readonly option: ScriptOption
  readonly path: string
}

/** The files installed on this machine, as they are now. */
export interface Inventory {
  readonly scripts: ReadonlyArray<ScriptOption>
  readonly files: ReadonlyArray<{ readonly path: string; readonly fingerprint: string }>
}

/**
 * The scripts of this application on the machine's disk, through Effect's FileSystem: for
 * each set option, the operator's script (root only), and for every option, at the path
 * published for it, the runner that runs it (src/runner/; with no script it records
 * the run and exits 0). Links are never followed: every path is looked at with
 * `lstat` before it is used, a new file is created exclusively, and a rename replaces a link
 * rather than writing through it.
 */
export class ScriptStore extends Context.Service<
  ScriptStore,
  {
    /**
     * Writes each script, the four runners and the runner's settings, atomically and only
     * when their content differs, deletes the script of an unset option (never a runner: a
     * Director may still name its path), and records that this unit uses the directory.
     */
    readonly install: (installation: Installation) => Effect.Effect<ReadonlyArray<InstalledRunner>, DiskError>
    /** The scripts installed and the fingerprint of every file and directory they are made of. */
    readonly inventory: Effect.Effect<Inventory, DiskError>
    /** Whether the runner's interpreter is on the machine. */
    readonly interpreterPresent: Effect.Effect<boolean, DiskError>
    /** The fingerprint of each path as it is now (src/domain/file-fingerprint.ts). */
    readonly fingerprints: (paths: ReadonlyArray<string>) => Effect.Effect<Inventory["files"], DiskError>
    /**
     * When this unit is the application's last on the machine, an installed runner: the one
     * to ask to delete the metrics files before the application's directory goes.
     */
    readonly lastUnitRunner: Effect.Effect<Option.Option<string>, DiskError>
    /**
     * This unit is going: the application's directory is deleted once no other unit of it on
     * this machine uses it; the Python charm's directories are deleted in any case.
     */
    readonly removeAll: Effect.Effect<void, DiskError>
  }
>()("backup-integrator/layers/ScriptStore") {
  static readonly layer = Layer.effect(
    ScriptStore,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const descriptors = yield* Descriptors
      const { optDir, appName, unitNumber } = yield* JujuContext
      const directory = runnersDirectory(optDir, appName)
      const operatorDirectory = operatorScriptsDirectory(optDir, appName)
      const ownDirectory = appDirectory(optDir, appName)
      const settings = runnerSettingsPath(optDir, appName)
      const credentialsDir = credentialsDirectory(optDir, appName)
      const units = unitsDirectory(optDir, appName)
      const unitMarker = unitRecordPath(optDir, appName, unitNumber)
      const uid = process.getuid?.() ?? 0
      const gid = process.getgid?.() ?? 0
      const ownedByOthers = (info: FileSystem.File.Info) => Option.getOrElse(info.uid, () => uid) !== uid

      /**
       * Creates `path` if needed, owned by this user with `mode`. A link planted there is
       * refused, never followed. A directory another user owns, or with another mode (others
       * may write to it), was not made as the charm makes it: it is made this user's with `mode`
       * through a descriptor opened without following a link, so that a link or file swapped
       * in after the look fails rather than being changed. `create: false` only takes over a
       * directory that is there (the runner makes its own).
       */
      const ensureDirectory = Effect.fnUntraced(function* (
        path: string,
        { mode = directoryMode, parents = false, create = true } = {},
      ) {
        const found = yield* lstatIfAny(fs, path)
        if (Option.isNone(found)) {
          if (!create) return
          // `parents`: /opt itself may be missing on a bare machine (or a test's stand-in).
          if (parents) yield* step("create directory", path, fs.makeDirectory(path, { recursive: true }))
          else yield* step("create directory", path, fs.makeDirectory(path, { mode }))
        } else if (found.value.type !== "Directory") {
          const what = found.value.type === "SymbolicLink" ? "a symbolic link" : "not a directory"
          return yield* new DiskError({
            operation: "use",
            path,
            reason: `${what}: refusing to follow it`,
          })
        } else if ((found.value.mode & 0o7777) === mode && !ownedByOthers(found.value)) {
          return
        }
        // Also for a new one: the umask may have narrowed its mode.
        yield* step("take over", path, descriptors.claimDirectory(path, { uid, gid, mode }))
      })

      /**
       * The runner's records, whose directories another user may have made first (when they
       * could write to /opt before the first install): taken over, never created here. A link
       * or a file in their place is theirs, in a directory that is now root's: deleted (the link
       * itself, never followed), and the runner makes its own.
       */
      const takeOverRuns = Effect.gen(function* () {
        const runs = runsRootDirectory(optDir, appName)
        for (const path of [runs, ...scriptOptions.map((option) => runsDirectory(optDir, appName, option))]) {
          const found = yield* lstatIfAny(fs, path)
          if (Option.isSome(found) && found.value.type !== "Directory") yield* remove(fs, path)
          else yield* ensureDirectory(path, { mode: scriptMode, create: false })
        }
      })

      /** Writes `content` at `path` with `mode`, unless the file there is already exactly that. */
      const installFile = Effect.fnUntraced(function* (
        path: string,
        content: string | Uint8Array,
        mode: number,
      ) {
        const data = typeof content === "string" ? new TextEncoder().encode(content) : content
        const found = yield* lstatIfAny(fs, path)
        const current =
          Option.isSome(found) && found.value.type === "File"
            ? yield* step("read", path, fs.readFile(path))
            : undefined
        if (
          Option.isSome(found) &&
          current !== undefined &&
          Buffer.compare(current, data) === 0 &&
          !ownedByOthers(found.value)
        ) {
          if ((found.value.mode & 0o7777) !== mode) yield* step("chmod", path, fs.chmod(path, mode))
        } else if (Option.isSome(found) && found.value.type === "Directory") {
          return yield* new DiskError({
            operation: "write",
            path,
            reason: "a directory is in the way",
          })
        } else {
          yield* writeAtomically(fs, path, data, { mode, durable: true })
        }
      })

      /** Each credential file written (never logged), and any other file there deleted. */
      const installCredentials = Effect.fnUntraced(function* (credentials: Credentials) {
        if (credentials._tag === "LastGood") return
        const files = credentials._tag === "Files" ? credentials.files : new Map<string, string>()
        for (const [key, value] of files)
          yield* installFile(`${credentialsDir}/${key}`, value, credentialMode)
        for (const name of yield* list(fs, credentialsDir)) {
          if (!files.has(name)) yield* remove(fs, `${credentialsDir}/${name}`)
        }
      })

      const install = Effect.fnUntraced(function* ({
        scripts,
        timeout,
        credentials,
        metricsDirectories,
        backupMaxAge,
        fileset,
      }: Installation) {
        yield* ensureDirectory(charmDirectory(optDir), { parents: true })
        yield* ensureDirectory(ownDirectory)
        yield* ensureDirectory(directory)
        yield* ensureDirectory(operatorDirectory, { mode: scriptMode })
        yield* ensureDirectory(credentialsDir, { mode: scriptMode })
        yield* ensureDirectory(units)
        yield* takeOverRuns
        if (Option.isNone(yield* lstatIfAny(fs, unitMarker))) {
          yield* step(
            "write",
            unitMarker,
            fs.writeFile(unitMarker, new Uint8Array(), { flag: "wx", mode: 0o600 }),
          )
        }
        yield* installCredentials(credentials)
        const runnerSettings: RunnerSettings = {
          ...(timeout === undefined ? {} : { timeout }),
          ...(credentials._tag === "None" ? {} : { credentials: credentialsDir }),
          metricsDirectories,
          ...(backupMaxAge === undefined ? {} : { backupMaxAge }),
          fileset,
        }
        yield* installFile(settings, encodeRunnerSettings(runnerSettings), 0o600)
        // The scripts first: a runner whose script is missing takes its option as unset.
        const set = new Set(scripts.map(({ option }) => option))
        for (const { option, content } of scripts)
          yield* installFile(operatorScriptPath(optDir, appName, option), content, scriptMode)
        for (const name of yield* list(fs, operatorDirectory)) {
          if (!set.has(name as ScriptOption)) yield* remove(fs, `${operatorDirectory}/${name}`)
        }
        const runners = yield* Effect.forEach(scriptOptions, (option) =>
          Effect.as(installFile(runnerPath(optDir, appName, option), runnerFile, scriptMode), {
            option,
            path: runnerPath(optDir, appName, option),
          }),
        )
        // Anything else there (a leftover temporary file) is no runner.
        for (const name of yield* list(fs, directory)) {
          if (!scriptOptions.includes(name as ScriptOption)) yield* remove(fs, `${directory}/${name}`)
        }
        yield* closePythonEra
        return runners
      })

      /** The Python charm's directories of this application. */
      const pythonEra = Effect.map(list(fs, charmDirectory(optDir)), (names) =>
        names
          .filter((name) => isPythonEraDirectory(name, appName))
          .map((name) => `${charmDirectory(optDir)}/${name}`),
      )

      /**
       * The Python charm's scripts stay where a Director not yet reloaded may still run them
       * (the runner deletes them once Bacula runs a job through the new paths), but root
       * alone may read them now: that charm left them world-readable.
       */
      const closePythonEra = Effect.gen(function* () {
        for (const path of yield* pythonEra) {
          const found = yield* lstatIfAny(fs, path)
          if (
            Option.isSome(found) &&
            found.value.type === "Directory" &&
            (found.value.mode & 0o777) !== 0o700
          )
            yield* step("chmod", path, fs.chmod(path, 0o700))
        }
      })

      const fingerprint = (path: string) =>
        Effect.map(lstatIfAny(fs, path), (found) => ({
          path,
          fingerprint: fingerprintOf(Option.getOrUndefined(Option.map(found, fileStatOf))),
        }))

      const fingerprints = (paths: ReadonlyArray<string>) => Effect.forEach(paths, fingerprint)

      const inventory = Effect.gen(function* () {
        const names = new Set(yield* list(fs, operatorDirectory))
        const scripts = scriptOptions.filter((option) => names.has(option))
        const credentialFiles = (yield* list(fs, credentialsDir))
          .sort()
          .map((name) => `${credentialsDir}/${name}`)
        const paths = [
          ownDirectory,
          directory,
          operatorDirectory,
          credentialsDir,
          ...credentialFiles,
          settings,
          ...scripts.map((option) => operatorScriptPath(optDir, appName, option)),
          ...scriptOptions.map((option) => runnerPath(optDir, appName, option)),
        ]
        return { scripts, files: yield* fingerprints(paths) }
      })

      // The application's other units on this machine: each has a marker named by its number
      // in `units/`, which also holds the memos and whatever a writer killed mid-write left.
      const otherUnits = Effect.map(list(fs, units), (names) =>
        names.filter((name) => /^[0-9]+$/.test(name) && `${units}/${name}` !== unitMarker),
      )

      const removeAll = Effect.gen(function* () {
        yield* remove(fs, updateStatusMemoPath(optDir, appName, unitNumber))
        yield* remove(fs, unitMarker)
        if ((yield* otherUnits).length === 0) yield* remove(fs, ownDirectory)
        for (const path of yield* pythonEra) yield* remove(fs, path)
      })

      const lastUnitRunner = Effect.gen(function* () {
        if ((yield* otherUnits).length > 0) return Option.none<string>()
        const runner = runnerPath(optDir, appName, "run-before-backup")
        const found = yield* lstatIfAny(fs, runner)
        return Option.isSome(found) && found.value.type === "File"
          ? Option.some(runner)
          : Option.none<string>()
      })

      // Followed, as the kernel follows it (/usr/bin/python3 is a link to python3.X).
      const interpreterPresent = step("inspect", runnerInterpreter, fs.exists(runnerInterpreter))

      return ScriptStore.of({
        install,
        inventory,
        interpreterPresent,
        fingerprints,
        lastUnitRunner,
        removeAll,
      })
    }),
  )
}
