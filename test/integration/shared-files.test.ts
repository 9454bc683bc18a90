// The files the charm and the runner share, as each side really writes them, held to their one
// schema: runner.json as the live ScriptStore writes it and the real runner reads it, every
// kind of run record the real runner writes, and the metrics directories it keeps. Strictly:
// a key the schema lacks, a key missing, or a value in another form (a float for an int,
// another time format) fails.
import { spawn, spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Schema from "effect/Schema"
import { maxBackupMaxAge } from "../../src/domain/backup-max-age.ts"
import {
  credentialsDirectory,
  keptMetricsDirectoriesPath,
  runnerInterpreter,
  runnerPath,
  runnerSettingsPath,
  runsDirectory,
} from "../../src/domain/machine-paths.ts"
import { KeptMetricsDirectories } from "../../src/domain/metrics-directory.ts"
import type { ScriptOption } from "../../src/domain/options.ts"
import { RunRecord } from "../../src/domain/run-record.ts"
import { encodeRunnerSettings, RunnerSettings } from "../../src/domain/runner-settings.ts"
import { maxScriptTimeout } from "../../src/domain/script-timeout.ts"
import { Descriptors } from "../../src/layers/Descriptors.ts"
import { type Installation, ScriptStore } from "../../src/layers/ScriptStore.ts"
import { installation } from "../support/installation.ts"
import { jujuContext } from "../support/juju-context.ts"
import { sample } from "../support/schema-samples.ts"

const app = "backup-integrator"

/**
 * Decodes `json` with `schema`, refusing keys it does not know, and checks that encoding the
 * value gives `json` back: nothing the file holds is dropped or read in another form.
 */
const strictly = <S extends Schema.Codec<unknown, unknown>>(schema: S, json: unknown): S["Type"] => {
  const value = Schema.decodeUnknownSync(schema, { onExcessProperty: "error" })(json)
  assert.deepStrictEqual(Schema.encodeSync(schema)(value), json)
  return value
}

/** Runs `f` on a fresh `/opt`, deleted after. */
const withOpt = <A, E, R>(f: (opt: string) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "shared-files-"))),
    f,
    (opt) => Effect.sync(() => rmSync(opt, { recursive: true, force: true })),
  )

/** Installs as reconcile does, with the live ScriptStore on the real disk under `opt`. */
const install = (opt: string, change: Partial<Installation>) =>
  Effect.flatMap(
    Effect.provide(
      ScriptStore,
      ScriptStore.layer.pipe(
        Layer.provide(Layer.merge(NodeFileSystem.layer, Descriptors.layer)),
        Layer.provide(jujuContext({ optDir: opt })),
      ),
    ),
    (store) => store.install(installation(change)),
  )

/** Every record the runner left for `option`, as JSON. */
const recordsOf = (opt: string, option: ScriptOption): ReadonlyArray<unknown> => {
  const runs = runsDirectory(opt, app, option)
  return readdirSync(runs)
    .sort()
    .map((name) => JSON.parse(readFileSync(join(runs, name), "utf8")))
}

const runSync = (runner: string, env: NodeJS.ProcessEnv = {}) =>
  spawnSync(runner, [], { encoding: "utf8", env: { ...process.env, ...env } })

describe("runner.json", () => {
  it.effect(
    "as the live ScriptStore writes it: the schema's keys alone, each honoured by the real runner",
    () =>
      withOpt((opt) =>
        Effect.gen(function* () {
          const textfiles = join(opt, "textfiles")
          mkdirSync(textfiles)
          yield* install(opt, {
            scripts: [
              {
                option: "run-before-backup",
                content: '#!/bin/sh\necho "credentials=$CREDENTIALS_DIRECTORY"\nsleep 600\n',
              },
            ],
            timeout: 1,
            credentials: { _tag: "Files", files: new Map([["password", "s3cret"]]) },
            metricsDirectories: [textfiles],
            backupMaxAge: 93_600,
          })
          const settings = readFileSync(runnerSettingsPath(opt, app), "utf8")
          assert.deepStrictEqual(strictly(RunnerSettings, JSON.parse(settings)), {
            timeout: 1,
            credentials: credentialsDirectory(opt, app),
            metricsDirectories: [textfiles],
            backupMaxAge: 93_600,
          })
          const result = runSync(runnerPath(opt, app, "run-before-backup"))
          // timeout: stopped at 1s, with the runner's exit status for it.
          assert.strictEqual(result.status, 124)
          assert.include(strictly(RunRecord, recordsOf(opt, "run-before-backup")[0]), {
            timedOut: true,
            timeout: 1,
          })
          // credentials: the directory the scripts read their secrets in.
          assert.strictEqual(result.stdout, `credentials=${credentialsDirectory(opt, app)}\n`)
          // metricsDirectories and backupMaxAge: the metrics file there, with that deadline.
          const metrics = readFileSync(join(textfiles, `backup-integrator-${app}.prom`), "utf8")
          assert.match(metrics, /^backup_integrator_backup_max_age_seconds\{[^}]*\} 93600$/m)
          // The directories it wrote in, which it keeps for the charm to read.
          const kept = readFileSync(keptMetricsDirectoriesPath(opt, app), "utf8")
          assert.deepStrictEqual(strictly(KeptMetricsDirectories, JSON.parse(kept)), {
            directories: [textfiles],
          })
        }),
      ),
  )

  it("the runner's reading (src/runner/settings.py) gives back every value the schema allows, and none for what is absent", () => {
    const root = mkdtempSync(join(tmpdir(), "runner-settings-"))
    try {
      const cases: ReadonlyArray<RunnerSettings> = [
        { metricsDirectories: [] },
        { timeout: maxScriptTimeout, metricsDirectories: ["/m", "/m"], backupMaxAge: maxBackupMaxAge },
        ...sample(RunnerSettings, 100),
      ]
      const directories = cases.map((settings, i) => {
        const directory = join(root, String(i))
        mkdirSync(directory)
        writeFileSync(join(directory, "runner.json"), encodeRunnerSettings(settings), { mode: 0o600 })
        return directory
      })
      const read = spawnSync(
        runnerInterpreter,
        [
          "-I",
          "-B",
          "-c",
          `import json, os, sys
sys.path.insert(0, "src/runner")
from settings import read_settings
for directory in sys.argv[1:]:
    print(json.dumps(read_settings(os.open(directory, os.O_RDONLY | os.O_DIRECTORY))._asdict()))`,
          ...directories,
        ],
        { encoding: "utf8" },
      )
      assert.strictEqual(read.stderr, "")
      const readings = read.stdout
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line))
      assert.deepStrictEqual(
        readings,
        cases.map((settings) => ({
          timeout: settings.timeout ?? null,
          credentials: settings.credentials ?? null,
          metrics_directories: [...new Set(settings.metricsDirectories)],
          // Unset: no check, as the status makes none.
          backup_max_age: settings.backupMaxAge ?? null,
        })),
      )
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it.effect("with every setting at its default: the keys that are always there, and nothing else", () =>
    withOpt((opt) =>
      Effect.gen(function* () {
        yield* install(opt, {})
        const settings = readFileSync(runnerSettingsPath(opt, app), "utf8")
        assert.deepStrictEqual(strictly(RunnerSettings, JSON.parse(settings)), { metricsDirectories: [] })
      }),
    ),
  )
})

/** The runner, started as Bacula starts it; SIGTERM once the script printed `ready`. */
const runStopped = (runner: string) =>
  Effect.callback<void>((resume) => {
    const child = spawn(runner, [], { stdio: ["ignore", "pipe", "inherit"] })
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) child.kill("SIGTERM")
    })
    child.on("exit", () => resume(Effect.void))
  })

/** Each way a run ends, and what its record says of it. */
const runs: ReadonlyArray<{
  readonly name: string
  readonly script?: string
  readonly timeout?: number
  readonly run?: (runner: string) => Effect.Effect<unknown>
  readonly expected: Partial<RunRecord>
}> = [
  {
    name: "succeeded, leaving a process the runner stopped",
    script: "#!/bin/sh\necho done\nsleep 600 &\n",
    expected: { set: true, exitStatus: 0, signal: null, stoppedLeftovers: 1, output: "done\n" },
  },
  { name: "failed", script: "#!/bin/sh\nexit 3\n", expected: { set: true, exitStatus: 3 } },
  {
    name: "killed by a signal",
    script: "#!/bin/sh\nkill -TERM $$\n",
    expected: { set: true, exitStatus: null, signal: "SIGTERM" },
  },
  {
    name: "stopped by Bacula (a signal forwarded)",
    script: "#!/bin/sh\necho ready\nexec sleep 600\n",
    run: runStopped,
    expected: { set: true, signal: "SIGTERM", forwardedSignals: ["SIGTERM"] },
  },
  {
    name: "timed out",
    script: "#!/bin/sh\nsleep 600\n",
    timeout: 1,
    expected: { set: true, exitStatus: null, timedOut: true, timeout: 1 },
  },
  { name: "of an option with no script", expected: { set: false, exitStatus: 0, output: "" } },
  {
    name: "run-script's",
    script: "#!/bin/sh\necho by hand\n",
    run: (runner) => Effect.sync(() => runSync(runner, { BACKUP_INTEGRATOR_ACTION: "1" })),
    expected: { set: true, exitStatus: 0, output: "by hand\n" },
  },
]

describe("run records, as the real runner writes them", () => {
  for (const { name, script, timeout, run, expected } of runs) {
    it.effect(`${name}: the schema's keys, each in the schema's form, \`set\` included`, () =>
      withOpt((opt) =>
        Effect.gen(function* () {
          yield* install(opt, {
            scripts: script === undefined ? [] : [{ option: "run-before-backup", content: script }],
            timeout,
          })
          const runner = runnerPath(opt, app, "run-before-backup")
          yield* run === undefined ? Effect.sync(() => runSync(runner)) : run(runner)
          const records = recordsOf(opt, "run-before-backup")
          assert.strictEqual(records.length, 1)
          for (const json of records) {
            // Written by every runner since 0.1.0's: the schema keeps it optional for those.
            assert.property(json, "set")
            assert.deepInclude(strictly(RunRecord, json), expected)
          }
        }),
      ),
    )
  }
})
