// `npm run simulate`: the packed charm against the emulator, shown as Juju would show it.
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "vitest"

const simulate = (...args: Array<string>) =>
  spawnSync(process.execPath, ["scripts/simulate.ts", ...args], { encoding: "utf8" })
const report = (...args: Array<string>) => {
  const result = simulate("--json", ...args)
  assert.strictEqual(result.status, 0, result.stderr)
  return JSON.parse(result.stdout)
}

describe("npm run simulate", () => {
  it("runs the worked example: a leader publishing a PostgreSQL dump and load", () => {
    const r = report()
    assert.strictEqual(r.exitCode, 0)
    assert.deepStrictEqual(r.status, { status: "active", message: "" })
    assert.deepStrictEqual(r.databags, {
      "backup:1": {
        fileset: "/var/backups/postgresql",
        "run-before-backup": "/opt/backup-integrator-charm/backup-integrator/scripts/run-before-backup",
        "run-after-backup": "/opt/backup-integrator-charm/backup-integrator/scripts/run-after-backup",
        "run-before-restore": "/opt/backup-integrator-charm/backup-integrator/scripts/run-before-restore",
        "run-after-restore": "/opt/backup-integrator-charm/backup-integrator/scripts/run-after-restore",
      },
    })
    assert.deepStrictEqual(r.scripts, [
      // A runner for every option, set or not.
      ...["run-after-backup", "run-after-restore", "run-before-backup", "run-before-restore"].map(
        (option) => ({
          path: `/opt/backup-integrator-charm/backup-integrator/scripts/${option}`,
          mode: "0700",
          firstLine: "#!/usr/bin/python3 -I",
        }),
      ),
      {
        path: "/opt/backup-integrator-charm/backup-integrator/operator-scripts/run-after-restore",
        mode: "0700",
        firstLine: "#!/bin/sh",
      },
      {
        path: "/opt/backup-integrator-charm/backup-integrator/operator-scripts/run-before-backup",
        mode: "0700",
        firstLine: "#!/bin/sh",
      },
    ])
    assert.deepStrictEqual(
      r.calls.map((call: string) => call.split(" ")[0]),
      ["config-get", "relation-ids", "is-leader", "relation-get", "relation-set", "juju-log", "status-set"],
    )
  })

  it("shows a follower, relations, events and configuration from files", () => {
    const dir = mkdtempSync(join(tmpdir(), "simulate-"))
    try {
      writeFileSync(join(dir, "fileset"), "/srv/a, /srv/b")
      const follower = report(
        "--follower",
        "--relations",
        "2",
        "--config",
        `fileset=@${join(dir, "fileset")}`,
      )
      assert.deepStrictEqual(follower.status, { status: "active", message: "" })
      assert.deepStrictEqual(follower.databags, { "backup:1": {}, "backup:2": {} })
      assert.strictEqual(follower.calls.length, 4)

      // As `npm run simulate` runs it from another directory: INIT_CWD is where npm was run.
      writeFileSync(join(dir, "script.sh"), "#!/bin/sh\necho done\n")
      const relative = spawnSync(
        process.execPath,
        ["scripts/simulate.ts", "--json", "--config", "run-after-backup=@script.sh"],
        {
          encoding: "utf8",
          env: { ...process.env, INIT_CWD: dir },
        },
      )
      assert.strictEqual(relative.status, 0, relative.stderr)
      assert.include(JSON.parse(relative.stdout).databags["backup:1"], {
        "run-after-backup": "/opt/backup-integrator-charm/backup-integrator/scripts/run-after-backup",
      })

      const alone = report("--no-relation", "--event", "install")
      assert.deepStrictEqual(alone.status, { status: "waiting", message: "waiting for backup relation" })

      writeFileSync(join(dir, "crlf.sh"), "#!/bin/sh\r\necho\r\n")
      const blocked = report("--config", `run-after-backup=@${join(dir, "crlf.sh")}`)
      assert.deepStrictEqual(blocked.status, {
        status: "blocked",
        message: "invalid run-after-backup: script has Windows (CRLF) line endings",
      })

      const removed = report("--event", "remove")
      assert.deepStrictEqual(removed.scripts, [])
      assert.deepStrictEqual(removed.calls, [])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("prints what Juju would show", () => {
    const result = simulate()
    assert.strictEqual(result.status, 0, result.stderr)
    for (const line of [
      "unit status: active",
      "backup:1 application databag (backup-integrator):",
      "hook-tool calls (7):",
    ]) {
      assert.include(result.stdout, line)
    }
  })

  for (const args of [
    ["--bogus"],
    ["--relations", "x"],
    ["--relations", "1", "--no-relation"],
    ["--config", "nosuch=1"],
    ["--config", "fileset=@/no/such/file"],
    ["extra"],
  ]) {
    it(`refuses ${args.join(" ")} with a usage line and exit 2`, () => {
      const result = simulate(...args)
      assert.strictEqual(result.status, 2)
      assert.match(result.stderr, /\nusage: npm run simulate -- .*\n$/)
      assert.strictEqual(result.stdout, "")
    })
  }
})
