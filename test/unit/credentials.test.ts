// Credentials from a Juju user secret, through the program over test layers: the secret read
// (and refreshed on secret-changed), its keys as root-only files, the last good ones kept when
// it cannot be read, and update-status noticing a grant with one call.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { credentialsDirectory, runnerSettingsPath } from "../../src/domain/machine-paths.ts"
import { defaultMetricsDirectory, snapMetricsDirectory } from "../../src/domain/metrics-directory.ts"
import { appName, type FakeModel, model, optDir } from "../support/fake-juju.ts"
import { fileContent, type MemoryDisk } from "../support/memory-file-system.ts"
import { runEvent } from "../support/run-program.ts"

/** The runner writes its metrics there (those that exist). */
const metricsDirectories = [defaultMetricsDirectory, snapMetricsDirectory]

const uri = "secret:cq1k2l3m4n5o6p7q8r9s"
const dir = credentialsDirectory(optDir, appName)
const config = {
  fileset: "/srv",
  "run-before-backup": '#!/bin/sh\ncat "$CREDENTIALS_DIRECTORY/password"\n',
  credentials: uri,
}
const granted = (content: Record<string, string>) => ({ [uri]: { granted: true, content } })
const relations = { "backup:1": {} }

/** The credential files on `disk`, by name, with their modes. */
const files = (disk: MemoryDisk) =>
  Object.fromEntries(
    [...disk.entries.entries()]
      .filter(([path]) => path.startsWith(`${dir}/`))
      .map(([path, entry]) => [
        path.slice(dir.length + 1),
        [fileContent(disk, path), (entry.mode & 0o7777).toString(8)],
      ]),
  )

const next = (m: FakeModel, change: Partial<FakeModel>) => ({
  ...m,
  calls: [],
  logs: [],
  secretGets: [],
  ...change,
})

describe("credentials", () => {
  it.effect("each key of the secret is a file, 0400 in a 0700 directory, that the runner gives scripts", () =>
    Effect.gen(function* () {
      const { model: m } = yield* runEvent(
        model({ config, relations, secrets: granted({ password: "s3cret", user: "backup" }) }),
      )
      assert.deepStrictEqual(m.status, { status: "active", message: "no backup yet" })
      assert.deepStrictEqual(files(m.disk), { password: ["s3cret", "400"], user: ["backup", "400"] })
      assert.strictEqual((m.disk.entries.get(dir)?.mode ?? 0) & 0o7777, 0o700)
      assert.deepStrictEqual(JSON.parse(fileContent(m.disk, runnerSettingsPath(optDir, appName)) ?? ""), {
        credentials: dir,
        metricsDirectories,
      })
      assert.deepStrictEqual(m.secretGets, [{ uri, refresh: false }])
      for (const { message } of m.logs) assert.notInclude(message, "s3cret")
    }),
  )

  it.effect("secret-changed takes the new revision: changed keys rewritten, removed keys' files gone", () =>
    Effect.gen(function* () {
      const first = yield* runEvent(
        model({ config, relations, secrets: granted({ password: "old", user: "u" }) }),
      )
      const { model: m } = yield* runEvent(
        next(first.model, { event: "secret-changed", secrets: granted({ password: "new" }) }),
      )
      assert.deepStrictEqual(m.secretGets, [{ uri, refresh: true }])
      assert.deepStrictEqual(files(m.disk), { password: ["new", "400"] })
    }),
  )

  it.effect("the option unset empties the directory, and scripts are no longer given it", () =>
    Effect.gen(function* () {
      const first = yield* runEvent(model({ config, relations, secrets: granted({ password: "s3cret" }) }))
      const { credentials: _, ...without } = config
      const { model: m } = yield* runEvent(next(first.model, { config: without }))
      assert.deepStrictEqual(files(m.disk), {})
      assert.deepStrictEqual(JSON.parse(fileContent(m.disk, runnerSettingsPath(optDir, appName)) ?? ""), {
        metricsDirectories,
      })
      assert.deepStrictEqual(m.secretGets, [])
    }),
  )

  it.effect(
    "not granted, or removed: blocked saying what to run; the last good files and the spec stay",
    () =>
      Effect.gen(function* () {
        for (const secrets of [{ [uri]: { granted: false, content: { password: "new" } } }, {}]) {
          // A unit of its own for each: its disk's record must agree with its model's status.
          const first = yield* runEvent(
            model({ config, relations, secrets: granted({ password: "s3cret" }) }),
          )
          const { model: m } = yield* runEvent(
            next(first.model, { secrets, config: { ...config, fileset: "/srv,/etc" } }),
          )
          assert.deepStrictEqual(m.status, {
            status: "blocked",
            message: `cannot read the credentials secret: juju grant-secret ${uri} backup-integrator`,
          })
          assert.deepStrictEqual(files(m.disk), { password: ["s3cret", "400"] })
          // The rest of the configuration is applied: backups go on, with the new fileset.
          assert.strictEqual(m.relations["backup:1"]?.fileset, "/srv,/etc")
          assert.match(
            m.logs[0]?.message ?? "",
            /^cannot read the credentials secret secret:\w+: exited with status 1/,
          )
        }
      }),
  )

  it.effect("while refused, update-status makes one call, secret-get; once granted, it reconciles", () =>
    Effect.gen(function* () {
      const refused = yield* runEvent(
        model({ config, relations, secrets: { [uri]: { granted: false, content: { password: "p" } } } }),
      )
      assert.strictEqual(refused.model.status?.status, "blocked")
      const still = yield* runEvent(next(refused.model, { event: "update-status" }))
      assert.deepStrictEqual(still.model.calls, ["secret-get"])
      const grantedNow = yield* runEvent(
        next(still.model, { event: "update-status", secrets: granted({ password: "p" }) }),
      )
      assert.include(grantedNow.model.calls, "config-get")
      assert.deepStrictEqual(grantedNow.model.status, { status: "active", message: "no backup yet" })
      assert.deepStrictEqual(files(grantedNow.model.disk), { password: ["p", "400"] })
      const quiet = yield* runEvent(next(grantedNow.model, { event: "update-status" }))
      assert.deepStrictEqual(quiet.model.calls, [])
    }),
  )

  it.effect(
    "a key that is not a safe file name blocks, naming the key, never a value; no file is written",
    () =>
      Effect.gen(function* () {
        for (const key of ["../../etc/cron.d/x", ".hidden", "a/b", "x".repeat(256), "tab\there"]) {
          const { model: m } = yield* runEvent(
            model({ config, relations, secrets: granted({ password: "s3cret", [key]: "v4lue" }) }),
          )
          assert.strictEqual(m.status?.status, "blocked", key)
          assert.match(m.status?.message ?? "", /^invalid credentials key ".*": not a safe file name$/)
          assert.isAtMost([...(m.status?.message ?? "")].length, 120)
          assert.notInclude(m.status?.message ?? "", "v4lue")
          assert.notInclude(m.status?.message ?? "", "\t")
          assert.deepStrictEqual(files(m.disk), {})
        }
      }),
  )

  it.effect("a value that is not a secret URI blocks before secret-get is run", () =>
    Effect.gen(function* () {
      const { model: m } = yield* runEvent(model({ config: { ...config, credentials: "--help" }, relations }))
      assert.deepStrictEqual(m.status, {
        status: "blocked",
        message: "invalid credentials: not a secret URI (juju add-secret prints one)",
      })
      assert.deepStrictEqual(m.calls, ["config-get", "status-set"])
    }),
  )
})
