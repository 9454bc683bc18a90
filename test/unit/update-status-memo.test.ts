// The memo `dispatch` reads to end update-status (src/domain/update-status-memo.ts), made from
// the unit's record, and the one function every time-based status change enters through.
import { assert, describe, it } from "vitest"
import { nextStatusChange } from "../../src/domain/next-status-change.ts"
import type { UnitRecord } from "../../src/domain/unit-record.ts"
import { active } from "../../src/domain/unit-status.ts"
import { memoHeader, updateStatusMemo } from "../../src/domain/update-status-memo.ts"

const record: UnitRecord = {
  version: 1,
  build: "unbuilt",
  reconciled: active,
  shown: { status: "active", message: "no backup yet" },
  waitingForSecret: null,
  files: [
    { path: "/opt/c/app", fingerprint: "Directory:40755:0:0" },
    { path: "/opt/c/app/scripts/run-before-backup", fingerprint: "File:100700:0:0:12:1764000000000:42" },
    { path: "/opt/c/app/operator-scripts/run-after-backup", fingerprint: "absent" },
  ],
  runs: [{ directory: "/opt/c/app/runs/run-before-backup", newest: null }],
  journal: "absent",
  lastBackup: null,
  unanswered: [],
  held: null,
  maxAge: null,
  checkSince: null,
  deadline: null,
}

describe("updateStatusMemo", () => {
  const reading = Date.parse("2026-12-08T09:00:00.500Z")
  it("a line for each path the status or a repair depends on; with no instant ahead, an hour's", () => {
    assert.strictEqual(
      updateStatusMemo(record, "/opt/c/app/jobs.json", reading),
      [
        memoHeader,
        `until ${Date.parse("2026-12-08T10:00:01Z") / 1000}`,
        "directory /opt/c/app",
        "file /opt/c/app/scripts/run-before-backup",
        "absent /opt/c/app/operator-scripts/run-after-backup",
        "absent /opt/c/app/jobs.json",
        "absent-or-directory /opt/c/app/runs/run-before-backup",
        "end",
        "",
      ].join("\n"),
    )
  })

  it("the instant in whole seconds, rounded up: never before it; at most an hour after the reading", () => {
    const memo = updateStatusMemo({ ...record, deadline: "2026-12-08T09:30:00.001Z" }, "/j", reading)
    assert.include(memo, `\nuntil ${Date.parse("2026-12-08T09:30:01Z") / 1000}\n`)
    const later = updateStatusMemo({ ...record, deadline: "2026-12-09T00:00:00Z" }, "/j", reading)
    assert.include(later, `\nuntil ${Date.parse("2026-12-08T10:00:01Z") / 1000}\n`)
  })

  it("none while a secret is waited for, for a path bash cannot check, or a line break in a path", () => {
    assert.isUndefined(
      updateStatusMemo({ ...record, waitingForSecret: "secret:cq1k2l3m4n5o6p7q8r9s" }, "/j", reading),
    )
    assert.isUndefined(
      updateStatusMemo(
        { ...record, files: [{ path: "/opt/x", fingerprint: "SymbolicLink:120777:0:0:1:2:3" }] },
        "/j",
        reading,
      ),
    )
    assert.isUndefined(
      updateStatusMemo({ ...record, files: [{ path: "/opt/x\nend", fingerprint: "absent" }] }, "/j", reading),
    )
  })
})

describe("nextStatusChange", () => {
  const now = Date.parse("2026-12-08T10:00:00Z")
  const backups = {
    lastBackup: "2026-12-08T09:00:00Z",
    maxAge: 3600 * 26,
    checkSince: null,
    unanswered: [],
    now,
  }

  it("backup-max-age's deadline while it is ahead and the unit active; else none", () => {
    assert.strictEqual(nextStatusChange({ reconciled: active, backups }), Date.parse("2026-12-09T11:00:00Z"))
    assert.isUndefined(nextStatusChange({ reconciled: active, backups: { ...backups, maxAge: null } }))
    assert.isUndefined(
      nextStatusChange({
        reconciled: active,
        backups: { ...backups, now: Date.parse("2026-12-09T11:00:00Z") },
      }),
    )
    assert.isUndefined(
      nextStatusChange({ reconciled: { status: "blocked", message: "missing fileset config" }, backups }),
    )
  })
})
