// The live ScriptStore, on Node's FileSystem and a real (temporary) disk: atomic writes,
// modes, links, clean-up.
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import type { Script } from "../../src/domain/scripts.ts"
import { Descriptors } from "../../src/layers/Descriptors.ts"
import { type Credentials, ScriptStore } from "../../src/layers/ScriptStore.ts"

const none: Credentials = { _tag: "None" }

import runnerSource from "../../src/runner/runner.py"
import { jujuContext } from "../support/juju-context.ts"

const app = "backup-integrator"

/** The ScriptStore of unit `unitNumber` of the application, on a machine whose `/opt` is `opt`. */
const storeOf = (opt: string, unitNumber = 0) =>
  Effect.provide(
    ScriptStore,
    ScriptStore.layer.pipe(
      Layer.provide(Layer.merge(NodeFileSystem.layer, Descriptors.layer)),
      Layer.provide(jujuContext({ optDir: opt, unitNumber })),
    ),
  )

/** Runs `f` with a ScriptStore rooted in a fresh temporary `/opt`. */
const withStore = <A, E>(
  f: (store: ScriptStore["Service"], opt: string, dir: string) => Effect.Effect<A, E>,
) =>
  Effect.gen(function* () {
    const opt = mkdtempSync(join(tmpdir(), "script-store-"))
    const store = yield* storeOf(opt)
    return yield* f(store, opt, join(opt, "backup-integrator-charm", app, "scripts")).pipe(
      Effect.ensuring(Effect.sync(() => rmSync(opt, { recursive: true, force: true }))),
    )
  })

const scripts: ReadonlyArray<Script> = [
  { option: "run-before-backup", content: "#!/bin/sh\necho before\n" },
  { option: "run-after-restore", content: "#!/bin/sh\necho after\n" },
]
const mode = (path: string) => lstatSync(path).mode & 0o7777

describe("ScriptStore (live)", () => {
  it.effect("writes each script 0700 (root only) in 0755 directories, whatever the umask", () =>
    withStore((store, opt, dir) =>
      Effect.gen(function* () {
        const umask = process.umask(0o077)
        const installed = yield* store
          .install({ scripts, timeout: undefined, credentials: none })
          .pipe(Effect.ensuring(Effect.sync(() => process.umask(umask))))
        assert.deepStrictEqual(installed, [
          { option: "run-before-backup", path: join(dir, "run-before-backup") },
          { option: "run-after-restore", path: join(dir, "run-after-restore") },
        ])
        for (const { path } of installed) assert.strictEqual(mode(path), 0o700)
        for (const d of [dir, join(dir, ".."), join(opt, "backup-integrator-charm")])
          assert.strictEqual(mode(d), 0o755)
        // The published path is the runner's; the script is beside it, root only.
        assert.strictEqual(readFileSync(join(dir, "run-after-restore"), "utf8"), runnerSource)
        const script = join(dir, "../operator-scripts/run-after-restore")
        assert.strictEqual(readFileSync(script, "utf8"), "#!/bin/sh\necho after\n")
        assert.strictEqual(mode(script), 0o700)
        assert.strictEqual(mode(join(dir, "../operator-scripts")), 0o700)
      }),
    ),
  )

  it.effect("leaves a file with the right content alone, and repairs only its mode", () =>
    withStore((store, _opt, dir) =>
      Effect.gen(function* () {
        yield* store.install({ scripts, timeout: undefined, credentials: none })
        const path = join(dir, "run-before-backup")
        chmodSync(path, 0o666)
        const before = statSync(path)
        yield* store.install({ scripts, timeout: undefined, credentials: none })
        const after = statSync(path)
        assert.strictEqual(after.ino, before.ino)
        assert.strictEqual(after.mtimeMs, before.mtimeMs)
        assert.strictEqual(mode(path), 0o700)
      }),
    ),
  )

  it.effect(
    "replaces changed content through a new file, deletes what is not wanted (leftover temporaries too)",
    () =>
      withStore((store, _opt, dir) =>
        Effect.gen(function* () {
          yield* store.install({ scripts, timeout: undefined, credentials: none })
          const ops = join(dir, "../operator-scripts")
          const path = join(ops, "run-before-backup")
          const before = statSync(path).ino
          writeFileSync(join(dir, ".tmp-123-abc"), "partial")
          writeFileSync(join(ops, ".tmp-123-abc"), "partial")
          const installed = yield* store.install({
            scripts: [{ option: "run-before-backup", content: "#!/bin/sh\necho new\n" }],
            timeout: undefined,
            credentials: none,
          })
          assert.notStrictEqual(statSync(path).ino, before)
          assert.strictEqual(readFileSync(path, "utf8"), "#!/bin/sh\necho new\n")
          assert.deepStrictEqual(readdirSync(dir).sort(), [
            ".tmp-123-abc",
            "run-after-restore",
            "run-before-backup",
          ])
          yield* store.withdraw(installed.map(({ path }) => path))
          assert.deepStrictEqual(readdirSync(dir), ["run-before-backup"])
          assert.deepStrictEqual(readdirSync(ops), ["run-before-backup"])
        }),
      ),
  )

  it.effect("never writes through a link planted at a script path", () =>
    withStore((store, opt, dir) =>
      Effect.gen(function* () {
        yield* store.install({ scripts: [], timeout: undefined, credentials: none })
        const victim = join(opt, "victim")
        writeFileSync(victim, "precious", { mode: 0o600 })
        symlinkSync(victim, join(dir, "run-before-backup"))
        yield* store.install({ scripts, timeout: undefined, credentials: none })
        assert.strictEqual(readFileSync(victim, "utf8"), "precious")
        assert.strictEqual(mode(victim), 0o600)
        assert.isTrue(lstatSync(join(dir, "run-before-backup")).isFile())
      }),
    ),
  )

  it.effect("refuses a scripts directory that is a link, and repairs one others could write to", () =>
    withStore((store, opt, dir) =>
      Effect.gen(function* () {
        yield* store.install({ scripts: [], timeout: undefined, credentials: none })
        chmodSync(dir, 0o777)
        yield* store.install({ scripts, timeout: undefined, credentials: none })
        assert.strictEqual(mode(dir), 0o755)

        const elsewhere = join(opt, "elsewhere")
        mkdirSync(elsewhere)
        rmSync(dir, { recursive: true })
        symlinkSync(elsewhere, dir)
        const exit = yield* Effect.exit(store.install({ scripts, timeout: undefined, credentials: none }))
        assert.isTrue(Exit.isFailure(exit))
        assert.deepStrictEqual(readdirSync(elsewhere), [])
      }),
    ),
  )

  it.effect("a directory where a script should be is a fault, and leaves no temporary file", () =>
    withStore((store, _opt, dir) =>
      Effect.gen(function* () {
        yield* store.install({ scripts: [], timeout: undefined, credentials: none })
        mkdirSync(join(dir, "run-before-backup"))
        const exit = yield* Effect.exit(store.install({ scripts, timeout: undefined, credentials: none }))
        assert.isTrue(Exit.isFailure(exit))
        assert.include(String(Exit.isFailure(exit) && exit.cause), join(dir, "run-before-backup"))
        assert.deepStrictEqual(readdirSync(dir), ["run-before-backup"])
      }),
    ),
  )

  it.effect("withdraw keeps what it is told a committed databag still names", () =>
    withStore((store, _opt, dir) =>
      Effect.gen(function* () {
        yield* store.install({ scripts, timeout: undefined, credentials: none })
        yield* store.withdraw([join(dir, "run-after-restore")])
        assert.deepStrictEqual(readdirSync(dir), ["run-after-restore"])
        yield* store.withdraw([])
        assert.deepStrictEqual(readdirSync(dir), [])
      }),
    ),
  )

  it.effect("withdraw deletes the Python charm's directories of this application, unless still named", () =>
    withStore((store, opt) =>
      Effect.gen(function* () {
        const root = join(opt, "backup-integrator-charm")
        for (const name of [
          "backup-integrator-0",
          "backup-integrator-12",
          "backup-integrator-x1",
          "other-app-3",
        ]) {
          mkdirSync(join(root, name, "scripts"), { recursive: true })
          writeFileSync(join(root, name, "scripts", "run-before-backup"), "#!/bin/sh\n", { mode: 0o755 })
        }
        yield* store.install({ scripts: [], timeout: undefined, credentials: none })
        yield* store.withdraw([join(root, "backup-integrator-12", "scripts", "run-before-backup")])
        assert.deepStrictEqual(readdirSync(root).sort(), [
          "backup-integrator",
          "backup-integrator-12",
          "backup-integrator-x1",
          "other-app-3",
        ])
        yield* store.withdraw([])
        assert.deepStrictEqual(readdirSync(root).sort(), [
          "backup-integrator",
          "backup-integrator-x1",
          "other-app-3",
        ])
      }),
    ),
  )

  it.effect("two units on one machine: the directory goes with the last of them", () =>
    withStore((first, opt, dir) =>
      Effect.gen(function* () {
        const second = yield* storeOf(opt, 3)
        yield* first.install({ scripts, timeout: undefined, credentials: none })
        yield* second.install({ scripts, timeout: undefined, credentials: none })
        yield* first.removeAll
        assert.deepStrictEqual(readdirSync(dir).sort(), ["run-after-restore", "run-before-backup"])
        yield* second.removeAll
        assert.isFalse(existsSync(join(opt, "backup-integrator-charm", app)))
      }),
    ),
  )

  it.effect("removeAll deletes the application's directory, and is fine when it is gone", () =>
    withStore((store, opt) =>
      Effect.gen(function* () {
        yield* store.install({ scripts, timeout: undefined, credentials: none })
        mkdirSync(join(opt, "backup-integrator-charm", `${app}-0`))
        yield* store.removeAll
        assert.deepStrictEqual(readdirSync(join(opt, "backup-integrator-charm")), [])
        yield* store.removeAll
      }),
    ),
  )
})
