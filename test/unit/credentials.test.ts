// Credentials from a Juju user secret, through the program over test layers: the secret read
// (and refreshed on secret-changed), its keys as root-only files, the last good ones kept when
// it cannot be read, and update-status noticing a grant with one call.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as Result from "effect/Result"
import { credentialFiles, parseCredentialsUri, shortSecretUri } from "../../src/domain/credentials.ts"
import { InvalidCredentials } from "../../src/domain/failures.ts"
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
        fileset: ["/srv"],
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
        fileset: ["/srv"],
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
      // Still refused is no failure of the hook: the unit stays blocked saying what to run, not in error.
      assert.isTrue(Exit.isSuccess(still.exit))
      assert.deepStrictEqual(still.model.status, refused.model.status)
      // It only looks: a new revision is taken on secret-changed, the hook Juju runs for it.
      assert.deepStrictEqual(still.model.secretGets, [{ uri, refresh: false }])
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

// The option's value and the secret's keys, before any hook tool (src/domain/credentials.ts).
describe("the credentials option and the secret's keys", () => {
  const id = "cq1k2l3m4n5o6p7q8r9s"
  const longUri = `secret://0f4c7a62-1b2d-4e5f-8a9b-0c1d2e3f4a5b/${id}`

  it("unset or blank (spaces, a newline) means no credentials, not an invalid URI", () => {
    for (const value of [undefined, "", "  ", "\n", " \t\n"])
      assert.deepStrictEqual(parseCredentialsUri(value), Result.succeed(undefined), JSON.stringify(value))
  })

  it("a URI padded as a pasted value is (a final newline, spaces): accepted, and secret-get gets it trimmed", () => {
    for (const form of [`secret:${id}`, longUri])
      for (const value of [`${form}\n`, `  ${form} `, `\t${form}`])
        assert.deepStrictEqual(parseCredentialsUri(value), Result.succeed(form), JSON.stringify(value))
  })

  it("anything else is not a secret URI: a flag, a wrong id, another prefix, more after the id", () => {
    for (const value of [
      "--help",
      `secret:${id.slice(1)}`,
      `secret:${id.toUpperCase()}`,
      `secret:${id}x`,
      `xsecret:${id}`,
      `secret:${id} secret:${id}`,
      `secret://0f4c7a62/${id}`,
    ])
      assert.deepStrictEqual(parseCredentialsUri(value), Result.fail(new InvalidCredentials()), value)
  })

  it("grant-secret is told the short form, whichever form the option holds", () => {
    assert.strictEqual(shortSecretUri(`secret:${id}`), `secret:${id}`)
    assert.strictEqual(shortSecretUri(longUri), `secret:${id}`)
  })

  it("of two keys that are not safe file names, the same is named whichever order the secret gives them", () => {
    const keys = ["../b", "./a"]
    for (const order of [keys, [...keys].reverse()]) {
      const content = Object.fromEntries(order.map((key) => [key, "v"]))
      const files = credentialFiles(content)
      // The key itself: chai's deep equality compares errors by their message alone.
      assert.strictEqual(Result.isFailure(files) ? files.failure.key : undefined, "../b")
    }
  })

  it("each safe key is a file holding its value as it is, padding and newlines kept", () => {
    const content = { password: " s3cret\n", "user.name": "backup", "key-2_x": "-----BEGIN-----\r\n" }
    assert.deepStrictEqual(credentialFiles(content), Result.succeed(new Map(Object.entries(content))))
  })
})
