// Credentials from a Juju user secret, end to end on the packed charm: the emulator holds the
// secret (revisions, grant, tracking as Juju does), the runner gives scripts the files.
import { spawnSync } from "node:child_process"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { afterEach, assert, describe, it } from "vitest"
import { appBag } from "../emulator/state.ts"
import { backupRelation, CharmUnit, expectOk } from "../support/charm-unit.ts"

const units: Array<CharmUnit> = []
afterEach(() => {
  for (const made of units.splice(0)) made.remove()
})

const uri = "secret:cq1k2l3m4n5o6p7q8r9s"
const dump =
  '#!/bin/sh\necho "user=$(cat "$CREDENTIALS_DIRECTORY/user") password=$(cat "$CREDENTIALS_DIRECTORY/password")"\n'

const configured = () => {
  const u = new CharmUnit({
    config: { fileset: "/var/backups/postgresql", "run-before-backup": dump, credentials: uri },
    relations: { "backup:3": backupRelation() },
    secrets: { [uri]: { revisions: [{ user: "backup", password: "s3cret" }], granted: true } },
  })
  units.push(u)
  return u
}
const credentials = (u: CharmUnit) => `${u.optDir}/backup-integrator-charm/backup-integrator/credentials`
const bacula = (u: CharmUnit) =>
  spawnSync(u.runnerPath("run-before-backup"), [], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } })
const secretEnv = { JUJU_SECRET_ID: uri, JUJU_SECRET_REVISION: "2" }

describe("credentials from a secret", () => {
  it("the scripts read each key from $CREDENTIALS_DIRECTORY, root only; the values are never logged", () => {
    const u = configured()
    const result = u.hook("config-changed")
    expectOk(result)
    assert.deepStrictEqual(result.state.status, { status: "active", message: "no backup yet" })
    assert.deepInclude(result.state.calls, ["secret-get", uri, "--format=json"])
    assert.strictEqual(statSync(credentials(u)).mode & 0o7777, 0o700)
    assert.deepStrictEqual(readdirSync(credentials(u)).sort(), ["password", "user"])
    for (const name of ["password", "user"])
      assert.strictEqual(statSync(`${credentials(u)}/${name}`).mode & 0o7777, 0o400)
    assert.strictEqual(bacula(u).stdout, "user=backup password=s3cret\n")
    assert.notInclude(JSON.stringify(result.state.logs), "s3cret")
    assert.notInclude(result.stderr + result.stdout, "s3cret")
  })

  it("a key of 255 bytes, Linux's NAME_MAX, becomes a file like any other: the unit stays active", () => {
    const key = `k${"x".repeat(254)}`
    const u = configured()
    u.update((s) => {
      s.secrets[uri]?.revisions.push({ [key]: "s3cret" })
      s.tracked[uri] = 2
    })
    const result = u.hook("config-changed")
    expectOk(result)
    assert.deepStrictEqual(result.state.status, { status: "active", message: "no backup yet" })
    assert.deepStrictEqual(readdirSync(credentials(u)), [key])
    assert.strictEqual(readFileSync(`${credentials(u)}/${key}`, "utf8"), "s3cret")
  })

  it("a new revision is taken on secret-changed (--refresh), as Juju intends; other hooks keep the tracked one", () => {
    const u = configured()
    u.hook("config-changed")
    u.update((s) => {
      s.secrets[uri]?.revisions.push({ password: "n3w" })
    })
    u.hook("config-changed")
    assert.strictEqual(readFileSync(`${credentials(u)}/password`, "utf8"), "s3cret")
    const changed = u.hook("secret-changed", undefined, secretEnv)
    expectOk(changed)
    assert.deepInclude(changed.state.calls, ["secret-get", uri, "--format=json", "--refresh"])
    assert.deepStrictEqual(readdirSync(credentials(u)), ["password"])
    assert.strictEqual(readFileSync(`${credentials(u)}/password`, "utf8"), "n3w")
  })

  it("revoked: blocked with the grant-secret command, backups go on with the last good files; a grant is seen by update-status with one call", () => {
    const u = configured()
    u.hook("config-changed")
    u.update((s) => {
      const secret = s.secrets[uri]
      if (secret) secret.granted = false
      s.config.fileset = "/var/backups/postgresql,/etc/myapp"
    })
    const refused = u.hook("config-changed")
    expectOk(refused)
    assert.deepStrictEqual(refused.state.status, {
      status: "blocked",
      message: `cannot read the credentials secret: juju grant-secret ${uri} backup-integrator`,
    })
    assert.strictEqual(appBag(refused.state, "backup:3")?.fileset, "/var/backups/postgresql,/etc/myapp")
    assert.strictEqual(bacula(u).stdout, "user=backup password=s3cret\n")

    const waiting = u.hook("update-status")
    assert.deepStrictEqual(
      waiting.state.calls.map(([tool]) => tool),
      ["secret-get"],
    )
    u.update((s) => {
      const secret = s.secrets[uri]
      if (secret) secret.granted = true
    })
    const granted = u.hook("update-status")
    assert.deepStrictEqual(granted.state.status, { status: "active", message: "no backup yet" })
    assert.deepStrictEqual(u.hook("update-status").state.calls, [])
  })

  it("removed: blocked too; the option reset empties the directory and scripts no longer get it", () => {
    const u = configured()
    u.hook("config-changed")
    u.update((s) => {
      const secret = s.secrets[uri]
      if (secret) secret.removed = true
    })
    assert.match(u.hook("config-changed").state.status.message, /^cannot read the credentials secret/)
    u.update((s) => {
      delete s.config.credentials
    })
    assert.deepStrictEqual(u.hook("config-changed").state.status, {
      status: "active",
      message: "no backup yet",
    })
    assert.deepStrictEqual(readdirSync(credentials(u)), [])
    assert.strictEqual(bacula(u).stdout, "user= password=\n")
  })

  it("the emulator's secret-get: --peek does not move the tracked revision, --peek with --refresh is refused", () => {
    const u = configured()
    u.update((s) => {
      s.secrets[uri]?.revisions.push({ password: "two" })
      s.tracked[uri] = 1
    })
    const get = (...args: Array<string>) =>
      spawnSync("secret-get", [uri, "--format=json", ...args], {
        env: u.env("config-changed"),
        encoding: "utf8",
      })
    assert.strictEqual(get("--peek").stdout, '{"password":"two"}\n')
    assert.strictEqual(get().stdout, '{"user":"backup","password":"s3cret"}\n')
    assert.strictEqual(get("--peek", "--refresh").status, 2)
    assert.strictEqual(get("--refresh").stdout, '{"password":"two"}\n')
    assert.strictEqual(get().stdout, '{"password":"two"}\n')
  })
})
