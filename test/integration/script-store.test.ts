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
import { scriptOptions } from "../../src/domain/options.ts"
import type { Script } from "../../src/domain/scripts.ts"
import { Descriptors } from "../../src/layers/Descriptors.ts"
import { ScriptStore } from "../../src/layers/ScriptStore.ts"
import runnerFile from "../../src/runner/runner.pyz"
import { installation } from "../support/installation.ts"
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
          .install(installation({ scripts }))
          .pipe(Effect.ensuring(Effect.sync(() => process.umask(umask))))
        assert.deepStrictEqual(
          installed,
          scriptOptions.map((option) => ({ option, path: join(dir, option) })),
        )
        for (const { path } of installed) assert.strictEqual(mode(path), 0o700)
        for (const d of [dir, join(dir, ".."), join(opt, "backup-integrator-charm")])
          assert.strictEqual(mode(d), 0o755)
        // The published path is the runner's; the script is beside it, root only.
        assert.isTrue(readFileSync(join(dir, "run-after-restore")).equals(runnerFile))
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
        yield* store.install(installation({ scripts }))
        const path = join(dir, "run-before-backup")
        chmodSync(path, 0o666)
        const before = statSync(path)
        yield* store.install(installation({ scripts }))
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
          yield* store.install(installation({ scripts }))
          const ops = join(dir, "../operator-scripts")
          const path = join(ops, "run-before-backup")
          const before = statSync(path).ino
          writeFileSync(join(dir, ".tmp-123-abc"), "partial")
          writeFileSync(join(ops, ".tmp-123-abc"), "partial")
          yield* store.install(
            installation({ scripts: [{ option: "run-before-backup", content: "#!/bin/sh\necho new\n" }] }),
          )
          assert.notStrictEqual(statSync(path).ino, before)
          assert.strictEqual(readFileSync(path, "utf8"), "#!/bin/sh\necho new\n")
          // Every option keeps its runner; only the script of the unset one goes.
          assert.deepStrictEqual(readdirSync(dir).sort(), [...scriptOptions].sort())
          assert.deepStrictEqual(readdirSync(ops), ["run-before-backup"])
        }),
      ),
  )

  it.effect("never writes through a link planted at a script path", () =>
    withStore((store, opt, dir) =>
      Effect.gen(function* () {
        yield* store.install(installation({ scripts: [] }))
        const victim = join(opt, "victim")
        writeFileSync(victim, "precious", { mode: 0o600 })
        rmSync(join(dir, "run-before-backup"))
        symlinkSync(victim, join(dir, "run-before-backup"))
        yield* store.install(installation({ scripts }))
        assert.strictEqual(readFileSync(victim, "utf8"), "precious")
        assert.strictEqual(mode(victim), 0o600)
        assert.isTrue(lstatSync(join(dir, "run-before-backup")).isFile())
      }),
    ),
  )

  it.effect("refuses a scripts directory that is a link, and repairs one others could write to", () =>
    withStore((store, opt, dir) =>
      Effect.gen(function* () {
        yield* store.install(installation({ scripts: [] }))
        chmodSync(dir, 0o777)
        yield* store.install(installation({ scripts }))
        assert.strictEqual(mode(dir), 0o755)

        const elsewhere = join(opt, "elsewhere")
        mkdirSync(elsewhere)
        rmSync(dir, { recursive: true })
        symlinkSync(elsewhere, dir)
        const exit = yield* Effect.exit(store.install(installation({ scripts })))
        assert.isTrue(Exit.isFailure(exit))
        assert.deepStrictEqual(readdirSync(elsewhere), [])
      }),
    ),
  )

  it.effect("a directory where a script should be is a fault, and leaves no temporary file", () =>
    withStore((store, _opt, dir) =>
      Effect.gen(function* () {
        yield* store.install(installation({ scripts: [] }))
        rmSync(join(dir, "run-before-backup"))
        mkdirSync(join(dir, "run-before-backup"))
        const exit = yield* Effect.exit(store.install(installation({ scripts })))
        assert.isTrue(Exit.isFailure(exit))
        assert.include(String(Exit.isFailure(exit) && exit.cause), join(dir, "run-before-backup"))
        assert.deepStrictEqual(readdirSync(dir).sort(), [...scriptOptions].sort())
      }),
    ),
  )

  it.effect("keeps the Python charm's directories of this application, root-only, until removed", () =>
    withStore((store, opt) =>
      Effect.gen(function* () {
        const root = join(opt, "backup-integrator-charm")
        for (const name of [
          "backup-integrator-0",
          "backup-integrator-12",
          "backup-integrator-x1",
          "other-app-3",
        ]) {
          mkdirSync(join(root, name, "scripts"), { recursive: true, mode: 0o755 })
          chmodSync(join(root, name), 0o755)
          writeFileSync(join(root, name, "scripts", "run-before-backup"), "#!/bin/sh\n", { mode: 0o755 })
        }
        yield* store.install(installation({ scripts: [] }))
        assert.deepStrictEqual(
          ["backup-integrator-0", "backup-integrator-12", "backup-integrator-x1", "other-app-3"].map((name) =>
            mode(join(root, name)),
          ),
          [0o700, 0o700, 0o755, 0o755],
        )
        yield* store.removeAll
        assert.deepStrictEqual(readdirSync(root).sort(), ["backup-integrator-x1", "other-app-3"])
      }),
    ),
  )

  it.effect("two units on one machine: the directory goes with the last of them", () =>
    withStore((first, opt, dir) =>
      Effect.gen(function* () {
        const second = yield* storeOf(opt, 3)
        yield* first.install(installation({ scripts }))
        yield* second.install(installation({ scripts }))
        yield* first.removeAll
        assert.deepStrictEqual(readdirSync(dir).sort(), [...scriptOptions].sort())
        yield* second.removeAll
        assert.isFalse(existsSync(join(opt, "backup-integrator-charm", app)))
      }),
    ),
  )

  it.effect("removeAll deletes the application's directory, and is fine when it is gone", () =>
    withStore((store, opt) =>
      Effect.gen(function* () {
        yield* store.install(installation({ scripts }))
        mkdirSync(join(opt, "backup-integrator-charm", `${app}-0`))
        yield* store.removeAll
        assert.deepStrictEqual(readdirSync(join(opt, "backup-integrator-charm")), [])
        yield* store.removeAll
      }),
    ),
  )
})
