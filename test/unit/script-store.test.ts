// The real ScriptStore over an in-memory FileSystem: its own rules (atomic writes, modes,
// links refused, ownership repair, clean-up) and every disk fault, with no disk at all.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { scriptOptions } from "../../src/domain/options.ts"
import type { Script } from "../../src/domain/scripts.ts"
import { type Credentials, ScriptStore } from "../../src/layers/ScriptStore.ts"
import { installation } from "../support/installation.ts"

const none: Credentials = { _tag: "None" }

import runnerFile from "../../src/runner/runner.pyz"
import { jujuContext } from "../support/juju-context.ts"
import {
  fileBytes,
  fileContent,
  type MemoryDisk,
  memoryDisk,
  memoryFileSystem,
  memoryFileSystemLayer,
  putFile,
} from "../support/memory-file-system.ts"

const opt = "/opt"
const dir = "/opt/backup-integrator-charm/backup-integrator/scripts"
const ops = "/opt/backup-integrator-charm/backup-integrator/operator-scripts"
const creds = "/opt/backup-integrator-charm/backup-integrator/credentials"
const scripts: ReadonlyArray<Script> = [
  { option: "run-before-backup", content: "#!/bin/sh\necho before\n" },
  { option: "run-after-restore", content: "#!/bin/sh\necho after\n" },
]

const storeOn = (disk: ReturnType<typeof memoryDisk>, unitNumber = 0) =>
  Effect.provide(
    ScriptStore,
    ScriptStore.layer.pipe(
      Layer.provide(memoryFileSystemLayer(disk)),
      Layer.provide(jujuContext({ optDir: opt, unitNumber })),
    ),
  )

/** run-before-backup changed, the other script unset. */
const changed = installation({
  scripts: [{ option: "run-before-backup", content: "#!/bin/sh\necho new\n" }],
})

const mode = (disk: MemoryDisk, path: string) => (disk.entries.get(path)?.mode ?? 0) & 0o7777
const names = (disk: MemoryDisk, under: string) =>
  [...disk.entries.keys()]
    .filter((p) => p.startsWith(`${under}/`))
    .map((p) => p.slice(under.length + 1))
    .sort()
const failure = (exit: Exit.Exit<unknown, unknown>) => (Exit.isFailure(exit) ? String(exit.cause) : "")

describe("ScriptStore over the FileSystem service", () => {
  it.effect(
    "writes each script and every option's runner 0700, through a flushed temporary file, then flushes the directory",
    () =>
      Effect.gen(function* () {
        const disk = memoryDisk()
        const installed = yield* (yield* storeOn(disk)).install({
          scripts,
          timeout: 1800,
          credentials: none,
          metricsDirectories: [
            "/var/lib/prometheus/node-exporter",
            "/var/snap/node-exporter/common/textfile-collector.d",
          ],
          backupMaxAge: 93_600,
          fileset: ["/srv/db", "/etc/app"],
        })
        assert.deepStrictEqual(
          installed.map(({ path }) => path),
          scriptOptions.map((option) => `${dir}/${option}`),
        )
        for (const { path } of installed) assert.strictEqual(mode(disk, path), 0o700)
        for (const d of [dir, `${dir}/..`, "/opt/backup-integrator-charm"])
          assert.strictEqual(mode(disk, d.replace("/scripts/..", "")), 0o755)
        // The published path is the runner; the operator's script is beside it, root only.
        assert.deepStrictEqual(fileBytes(disk, `${dir}/run-after-restore`), runnerFile)
        assert.strictEqual(fileContent(disk, `${ops}/run-after-restore`), "#!/bin/sh\necho after\n")
        assert.strictEqual(mode(disk, ops), 0o700)
        assert.strictEqual(mode(disk, `${ops}/run-after-restore`), 0o700)
        const settings = "/opt/backup-integrator-charm/backup-integrator/runner.json"
        assert.strictEqual(
          fileContent(disk, settings),
          '{"timeout":1800,"metricsDirectories":["/var/lib/prometheus/node-exporter","/var/snap/node-exporter/common/textfile-collector.d"],"backupMaxAge":93600,"fileset":["/srv/db","/etc/app"]}\n',
        )
        assert.strictEqual(mode(disk, settings), 0o600)
        // Each file's temporary file, then its directory, for each write: the scripts before the runners.
        const flushed = disk.flushed.map((path) => path.replace(/\/\.tmp-\d+-\w+$/, "/.tmp"))
        assert.deepStrictEqual(flushed.slice(2, 8), [
          `${ops}/.tmp`,
          ops,
          `${ops}/.tmp`,
          ops,
          `${dir}/.tmp`,
          dir,
        ])
        assert.deepStrictEqual(names(disk, dir), [...scriptOptions].sort())
        assert.deepStrictEqual(names(disk, ops), ["run-after-restore", "run-before-backup"])
      }),
  )

  it.effect("a script already right is left alone: nothing written, only a wrong mode repaired", () =>
    Effect.gen(function* () {
      const disk = memoryDisk()
      const store = yield* storeOn(disk)
      yield* store.install(installation({ scripts }))
      const before = disk.entries.get(`${dir}/run-before-backup`)
      ;(before as { mode: number }).mode = 0o100666
      disk.flushed.length = 0
      yield* store.install(installation({ scripts }))
      assert.strictEqual(disk.entries.get(`${dir}/run-before-backup`), before)
      assert.strictEqual(mode(disk, `${dir}/run-before-backup`), 0o700)
      assert.deepStrictEqual(disk.flushed, [])
    }),
  )

  it.effect(
    "a link at a script path is replaced by a file, its target untouched; a link at the directory is refused",
    () =>
      Effect.gen(function* () {
        const disk = memoryDisk()
        const store = yield* storeOn(disk)
        yield* store.install(installation({ scripts: [] }))
        putFile(disk, "/etc/shadow", "precious", 0o600)
        disk.entries.set(`${dir}/run-before-backup`, {
          type: "SymbolicLink",
          target: "/etc/shadow",
          mode: 0o120777,
          uid: disk.uid,
        })
        yield* store.install(installation({ scripts }))
        assert.strictEqual(fileContent(disk, "/etc/shadow"), "precious")
        assert.strictEqual(mode(disk, "/etc/shadow"), 0o600)
        assert.strictEqual(disk.entries.get(`${dir}/run-before-backup`)?.type, "File")

        for (const path of [...disk.entries.keys()].filter((p) => p.startsWith(`${dir}/`) || p === dir))
          disk.entries.delete(path)
        disk.entries.set(dir, { type: "SymbolicLink", target: "/etc", mode: 0o120777, uid: disk.uid })
        const exit = yield* Effect.exit(store.install(installation({ scripts })))
        assert.include(failure(exit), `cannot use ${dir}: a symbolic link: refusing to follow it`)
        assert.deepStrictEqual(names(disk, "/etc"), ["shadow"])
      }),
  )

  it.effect("a file where a directory should be, and a directory where a script should be, are faults", () =>
    Effect.gen(function* () {
      const disk = memoryDisk()
      putFile(disk, "/opt/backup-integrator-charm/backup-integrator", "not a directory")
      const store = yield* storeOn(disk)
      assert.include(
        failure(yield* Effect.exit(store.install(installation({ scripts })))),
        "cannot use /opt/backup-integrator-charm/backup-integrator: not a directory: refusing to follow it",
      )
      const other = memoryDisk()
      const second = yield* storeOn(other)
      yield* second.install(installation({ scripts: [] }))
      other.entries.set(`${dir}/run-before-backup`, { type: "Directory", mode: 0o40755, uid: other.uid })
      assert.include(
        failure(yield* Effect.exit(second.install(installation({ scripts })))),
        `cannot write ${dir}/run-before-backup: a directory is in the way`,
      )
      assert.deepStrictEqual(names(other, dir), [...scriptOptions].sort())
    }),
  )

  it.effect("a directory others own or may write to is repaired before a script is written", () =>
    Effect.gen(function* () {
      const disk = memoryDisk()
      const store = yield* storeOn(disk)
      yield* store.install(installation({ scripts: [] }))
      const scriptsDir = disk.entries.get(dir) as { mode: number; uid: number }
      scriptsDir.mode = 0o40777
      scriptsDir.uid = disk.uid + 1
      yield* store.install(installation({ scripts }))
      assert.strictEqual(mode(disk, dir), 0o755)
      assert.strictEqual(disk.entries.get(dir)?.uid, disk.uid)
    }),
  )

  it.effect(
    "a directory swapped for a link between the look and the change: refused, the link's target untouched",
    () =>
      Effect.gen(function* () {
        const disk = memoryDisk()
        const store = yield* storeOn(disk)
        yield* store.install(installation({ scripts: [] }))
        putFile(disk, "/etc/shadow", "precious", 0o600)
        const scriptsDir = disk.entries.get(dir) as { mode: number; uid: number }
        scriptsDir.mode = 0o40777
        scriptsDir.uid = disk.uid + 1
        // Another user's rename lands right after the charm's lstat of the directory.
        let looked = false
        disk.fault = (operation, path) => {
          if (path !== dir) return undefined
          if (operation === "lstat") looked = true
          else if (looked) {
            disk.entries.set(dir, {
              type: "SymbolicLink",
              target: "/etc/shadow",
              mode: 0o120777,
              uid: disk.uid + 1,
            })
            disk.fault = () => undefined
          }
          return undefined
        }
        const exit = yield* Effect.exit(store.install(installation({ scripts })))
        assert.strictEqual(mode(disk, "/etc/shadow"), 0o600)
        assert.strictEqual(disk.entries.get("/etc/shadow")?.uid, disk.uid)
        assert.include(failure(exit), `cannot take over ${dir}: ENOTDIR`)
      }),
  )

  it.effect("the runner's runs/ and runs/<option> another user made first are taken over, not created", () =>
    Effect.gen(function* () {
      const disk = memoryDisk()
      const runs = "/opt/backup-integrator-charm/backup-integrator/runs"
      const other = disk.uid + 1
      putFile(disk, `${runs}/run-before-backup/9999999999999-1.json`, "{}", 0o666)
      for (const path of [runs, `${runs}/run-before-backup`])
        disk.entries.set(path, { type: "Directory", mode: 0o40777, uid: other })
      yield* (yield* storeOn(disk)).install(installation({ scripts }))
      for (const path of [runs, `${runs}/run-before-backup`]) {
        assert.strictEqual(mode(disk, path), 0o700, path)
        assert.strictEqual(disk.entries.get(path)?.uid, disk.uid, path)
      }
      assert.isFalse(disk.entries.has(`${runs}/run-after-restore`), "the runner makes its own")
    }),
  )

  it.effect(
    "a directory another user left in scripts/ is not entered: nothing in it is deleted (its entries could be swapped for links), and the hook fails naming it",
    () =>
      Effect.gen(function* () {
        const disk = memoryDisk()
        const planted = `${dir}/evil`
        putFile(disk, `${planted}/a0/victim`, "precious", 0o600)
        for (const path of [planted, `${planted}/a0`])
          disk.entries.set(path, { type: "Directory", mode: 0o40777, uid: disk.uid + 1 })
        const exit = yield* Effect.exit((yield* storeOn(disk)).install(installation({ scripts })))
        assert.include(failure(exit), `${planted}`)
        assert.include(failure(exit), "another user owns or may write to: left alone")
        assert.strictEqual(fileContent(disk, `${planted}/a0/victim`), "precious")
        // Root's own directory there, whatever it holds, is deleted whole.
        disk.entries.delete(`${planted}/a0/victim`)
        for (const path of [`${planted}/a0`, planted]) disk.entries.delete(path)
        putFile(disk, `${dir}/old/deep/file`, "x", 0o600)
        yield* (yield* storeOn(disk)).install(installation({ scripts }))
        assert.deepStrictEqual(
          names(disk, dir).filter((name) => name.startsWith("old")),
          [],
        )
      }),
  )

  it.effect("a link another user left at runs/<option> is deleted, never followed", () =>
    Effect.gen(function* () {
      const disk = memoryDisk()
      const runs = "/opt/backup-integrator-charm/backup-integrator/runs"
      putFile(disk, "/etc/ssh/sshd_config", "precious", 0o644)
      putFile(disk, `${runs}/run-after-backup/1-1.json`, "{}", 0o600)
      disk.entries.set(`${runs}/run-before-backup`, {
        type: "SymbolicLink",
        target: "/etc/ssh",
        mode: 0o120777,
        uid: disk.uid + 1,
      })
      yield* (yield* storeOn(disk)).install(installation({ scripts }))
      assert.isFalse(disk.entries.has(`${runs}/run-before-backup`))
      assert.strictEqual(fileContent(disk, "/etc/ssh/sshd_config"), "precious")
      assert.strictEqual(mode(disk, "/etc/ssh"), 0o755)
      assert.strictEqual(fileContent(disk, `${runs}/run-after-backup/1-1.json`), "{}")
    }),
  )

  it.effect(
    "a credentials key of 255 bytes, Linux's NAME_MAX, is installed: the temporary name is short",
    () =>
      Effect.gen(function* () {
        const disk = memoryDisk()
        const key = `k${"x".repeat(254)}`
        const credentials: Credentials = { _tag: "Files", files: new Map([[key, "s3cret"]]) }
        yield* (yield* storeOn(disk)).install(installation({ scripts, credentials }))
        assert.strictEqual(fileContent(disk, `${creds}/${key}`), "s3cret")
        assert.deepStrictEqual(names(disk, creds), [key])
      }),
  )

  it("the in-memory disk refuses a name longer than NAME_MAX, as Linux does", () => {
    const disk = memoryDisk()
    const exit = Effect.runSyncExit(
      memoryFileSystem(disk).writeFile(`/${"x".repeat(256)}`, new Uint8Array(), { flag: "wx" }),
    )
    assert.include(failure(exit), "ENAMETOOLONG: name too long")
  })

  for (const [code, words] of [
    ["ENOSPC", "no space left on device"],
    ["EIO", "i/o error"],
  ] as const) {
    it.effect(
      `${code} while writing: the fault names the file; the temporary file is removed; the old script stays`,
      () =>
        Effect.gen(function* () {
          const disk = memoryDisk()
          const store = yield* storeOn(disk)
          yield* store.install(installation({ scripts }))
          disk.fault = (operation) => (operation === "write" ? code : undefined)
          const exit = yield* Effect.exit(store.install(changed))
          assert.include(failure(exit), `cannot write ${ops}/run-before-backup: ${code}: ${words}, write`)
          assert.deepStrictEqual(names(disk, ops), ["run-after-restore", "run-before-backup"])
          assert.strictEqual(fileContent(disk, `${ops}/run-before-backup`), "#!/bin/sh\necho before\n")
        }),
    )
  }

  it.effect("EACCES or EROFS: what is already right still serves; a change fails naming the file", () =>
    Effect.gen(function* () {
      for (const code of ["EACCES", "EROFS"] as const) {
        const disk = memoryDisk()
        const store = yield* storeOn(disk)
        yield* store.install(installation({ scripts }))
        const mutating = new Set(["mkdir", "chmod", "chown", "open", "write", "rm", "rename"])
        disk.fault = (operation) => (mutating.has(operation) ? code : undefined)
        yield* store.install(installation({ scripts }))
        const exit = yield* Effect.exit(store.install(changed))
        assert.include(failure(exit), `cannot write ${ops}/run-before-backup: ${code}`)
      }
    }),
  )

  it.effect(
    "an unset option loses its script, never its runner; the Python charm's directories become root-only; the last unit removes",
    () =>
      Effect.gen(function* () {
        const disk = memoryDisk()
        const first = yield* storeOn(disk)
        const second = yield* storeOn(disk, 3)
        const pythonEra = "/opt/backup-integrator-charm/backup-integrator-0"
        putFile(disk, `${pythonEra}/scripts/run-before-backup`, "#!/bin/sh\n", 0o755)
        putFile(
          disk,
          "/opt/backup-integrator-charm/other-app-1/scripts/run-before-backup",
          "#!/bin/sh\n",
          0o755,
        )
        yield* first.install(installation({ scripts }))
        yield* second.install(installation({ scripts }))
        putFile(disk, `${dir}/.tmp-1-abc`, "partial")
        putFile(disk, `${ops}/.tmp-1-abc`, "partial")
        yield* first.install(changed)
        assert.deepStrictEqual(names(disk, dir), [...scriptOptions].sort())
        assert.deepStrictEqual(names(disk, ops), ["run-before-backup"])
        // A Director not yet reloaded may still name it: kept, but no longer world-readable.
        assert.strictEqual(mode(disk, pythonEra), 0o700)
        assert.strictEqual(fileContent(disk, `${pythonEra}/scripts/run-before-backup`), "#!/bin/sh\n")
        assert.strictEqual(mode(disk, "/opt/backup-integrator-charm/other-app-1"), 0o755)
        yield* first.removeAll
        assert.isTrue(disk.entries.has(dir))
        assert.isFalse(disk.entries.has(pythonEra))
        assert.isTrue(disk.entries.has("/opt/backup-integrator-charm/other-app-1"))
        // What a write killed in `units/` left is no unit: the last one still removes all.
        putFile(disk, "/opt/backup-integrator-charm/backup-integrator/units/.3.tmp-1-abc", "partial")
        yield* second.removeAll
        assert.isFalse(disk.entries.has("/opt/backup-integrator-charm/backup-integrator"))
      }),
  )
})
