import { assert, describe, it } from "@effect/vitest"
import { databagChanges, databagOf, describeSpec } from "../../src/domain/backup-spec.ts"

const spec = {
  fileset: ["/a", "/b"],
  scripts: [
    {
      option: "run-before-backup" as const,
      path: "/opt/backup-integrator-charm/app/scripts/run-before-backup",
    },
  ],
}

describe("databag", () => {
  it("holds the fileset joined by commas and a path per set script", () => {
    assert.deepStrictEqual(databagOf(spec), {
      fileset: "/a,/b",
      "run-before-backup": "/opt/backup-integrator-charm/app/scripts/run-before-backup",
    })
  })

  it('changes: what differs, and "" for keys to delete; nothing when equal', () => {
    const desired = databagOf(spec)
    assert.deepStrictEqual(databagChanges(desired, desired), {})
    assert.deepStrictEqual(databagChanges({ fileset: "/a", "run-after-backup": "/x", other: "y" }, desired), {
      fileset: "/a,/b",
      "run-before-backup": desired["run-before-backup"] as string,
      "run-after-backup": "",
      other: "",
    })
  })

  it("the log line names keys and paths, and shortens a huge fileset", () => {
    assert.strictEqual(
      describeSpec(spec, ["backup:1", "backup:4"]),
      "published backup spec on backup:1, backup:4: fileset=/a,/b (2 paths) run-before-backup=/opt/backup-integrator-charm/app/scripts/run-before-backup",
    )
    const huge = describeSpec({ fileset: Array.from({ length: 10_000 }, (_, i) => `/p${i}`), scripts: [] }, [
      "backup:1",
    ])
    assert.isBelow(huge.length, 1200)
    assert.include(huge, "(10000 paths)")
  })
})
