// The packed charm on a machine it shares: another local user reading command lines, who made
// directories under /opt first, planted records or FIFOs; and scripts that print their
// credentials or control characters. docs/security.md lists what each test shows.
import { spawnSync } from "node:child_process"
import { chmodSync, chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, assert, describe, it } from "vitest"
import { settleHook } from "../emulator/state.ts"
import { backupRelation, CharmUnit, expectOk } from "../support/charm-unit.ts"

const isRoot = process.getuid?.() === 0
/** Another local user: nobody. */
const other = 65534

const units: Array<CharmUnit> = []
afterEach(() => {
  for (const made of units.splice(0)) made.remove()
})

const uri = "secret:cq1k2l3m4n5o6p7q8r9s"
const configured = (script: string, extra: Record<string, unknown> = {}) => {
  const u = new CharmUnit({
    config: { fileset: "/var/backups/postgresql", "run-before-backup": script },
    relations: { "backup:3": backupRelation() },
    ...extra,
  })
  units.push(u)
  return u
}
const appDir = (u: CharmUnit) => `${u.optDir}/backup-integrator-charm/backup-integrator`
const runsOf = (u: CharmUnit) => `${appDir(u)}/runs/run-before-backup`

/** Bacula starting the published script. */
const bacula = (u: CharmUnit) =>
  spawnSync(u.runnerPath("run-before-backup"), [], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } })

/** update-status, as Juju runs it; stopped if it hangs, so that a hang fails instead of waiting forever. */
const updateStatus = (u: CharmUnit) => {
  const result = spawnSync(join(u.charm, "dispatch"), [], {
    cwd: u.charm,
    env: u.env("update-status"),
    encoding: "utf8",
    timeout: 60_000,
  })
  return { ...result, state: settleHook(u.stateFile, result.status) }
}

const failing = "#!/bin/sh\necho 'pg_dump: connection refused'\nexit 2\n"
const failure =
  /^run-before-backup failed \(exit status 2\) at \d{4}-\d\d-\d\d \d\d:\d\d UTC; see action show-runs$/

describe("what the actions repeat of a script's output", () => {
  it("a credential the script prints is on no command line: *** in run-script's and show-runs' results; NUL, ESC, U+202E, U+2028 and U+200B escaped", () => {
    const script = `#!/bin/sh\nprintf 'connecting with password %s\\n\\000\\033[31mred\\n\\342\\200\\256gnp.exe\\342\\200\\250x\\342\\200\\213y\\n' "$(cat "$CREDENTIALS_DIRECTORY/password")"\n`
    const u = configured(script, {
      config: { fileset: "/srv", "run-before-backup": script, credentials: uri },
      secrets: { [uri]: { revisions: [{ password: "hunter2" }], granted: true } },
    })
    expectOk(u.hook("config-changed"))
    const shown = "connecting with password ***\n\\u0000\\u001b[31mred\n\\u202egnp.exe\\u2028x\\u200by\n"

    const ran = u.runAction("run-script", { name: "run-before-backup" })
    expectOk(ran)
    assert.isUndefined(ran.state.action?.failed)
    assert.strictEqual(ran.state.action?.results.output, shown)
    assert.notInclude(JSON.stringify(ran.state.calls), "hunter2")

    const listed = u.runAction("show-runs")
    expectOk(listed)
    const runs = listed.state.action?.results as Record<string, Record<string, Record<string, string>>>
    assert.strictEqual(runs["run-before-backup"]?.["run-1"]?.output, shown)
    assert.notInclude(JSON.stringify(listed.state.calls), "hunter2")
    // What Bacula reads is the script's own output, as it always was.
    assert.include(bacula(u).stdout, "connecting with password hunter2")
  })
})

describe("another local user", () => {
  it.skipIf(!isRoot)(
    "made the application's directories first, runs/ included: each is made root's at the first hook; a record they plant is passed over",
    () => {
      const u = configured(failing)
      const dirs = [appDir(u), `${appDir(u)}/scripts`, `${appDir(u)}/runs`, runsOf(u)]
      for (const dir of dirs) {
        mkdirSync(dir, { recursive: true })
        chmodSync(dir, 0o777)
        chownSync(dir, other, other)
      }
      const first = u.hook("config-changed")
      expectOk(first)
      for (const [dir, mode] of [
        [appDir(u), 0o755],
        [`${appDir(u)}/scripts`, 0o755],
        [`${appDir(u)}/runs`, 0o700],
        [runsOf(u), 0o700],
      ] as const) {
        const stat = statSync(dir)
        assert.deepStrictEqual([stat.uid, stat.gid, stat.mode & 0o7777], [0, 0, mode], dir)
      }

      assert.strictEqual(bacula(u).status, 2)
      // A newer record saying all went well, left by them before the charm took runs/ over.
      const newest = readdirSync(runsOf(u)).sort().at(-1) ?? ""
      const forged = join(runsOf(u), `${Number(newest.slice(0, 13)) + 60_000}-666.json`)
      writeFileSync(forged, JSON.stringify({ version: 1, script: "run-before-backup", exitStatus: 0 }))
      chownSync(forged, other, other)
      const status = updateStatus(u)
      expectOk(status)
      assert.match(status.state.status.message, failure)
    },
  )

  it("a FIFO named as the newest record, or at the unit's record and its memo: update-status ends", () => {
    const u = configured(failing)
    expectOk(u.hook("config-changed"))
    assert.strictEqual(bacula(u).status, 2)
    const newest = readdirSync(runsOf(u)).sort().at(-1) ?? ""
    spawnSync("mkfifo", [join(runsOf(u), `${Number(newest.slice(0, 13)) + 60_000}-666.json`)])
    const past = updateStatus(u)
    expectOk(past)
    assert.match(past.state.status.message, failure)

    const record = `${appDir(u)}/units/0`
    const memo = `${record}.update-status`
    spawnSync("rm", [record, memo])
    spawnSync("mkfifo", [record, memo])
    const again = updateStatus(u)
    expectOk(again)
    assert.match(again.state.status.message, failure)
    assert.isTrue(statSync(record).isFile(), "replaced by a record of the charm's")
    assert.isTrue(statSync(memo).isFile(), "and a memo")
  })
})
