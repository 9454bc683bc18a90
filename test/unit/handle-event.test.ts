import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { runnerPath, unitRecordPath } from "../../src/domain/machine-paths.ts"
import { scriptOptions } from "../../src/domain/options.ts"
import { appName, type FakeModel, fullDisk, model, optDir } from "../support/fake-juju.ts"
import { runEvent } from "../support/run-program.ts"

const dump = "#!/bin/sh\npg_dump --password=s3cret mydb > /var/backups/pg/dump.sql\n"
const load = "#!/bin/sh\npsql mydb < /var/backups/pg/dump.sql\n"
const pathOf = (option: Parameters<typeof runnerPath>[2]) => runnerPath(optDir, appName, option)

const goodConfig = {
  fileset: "/var/backups/pg, /etc/myapp",
  "run-before-backup": dump,
  "run-after-restore": load,
}
/** The four runners' paths, set or not: the published paths never change. */
const runnerPaths = Object.fromEntries(scriptOptions.map((option) => [option, pathOf(option)]))
const publishedBag = { fileset: "/var/backups/pg,/etc/myapp", ...runnerPaths }

/** Runs one hook and then a second one on the resulting model, as Juju would for the next event. */
const twice = (initial: FakeModel, next: (m: FakeModel) => FakeModel = (m) => m) =>
  Effect.gen(function* () {
    const first = yield* runEvent(initial)
    const second = yield* runEvent(next({ ...first.model, calls: [], logs: [] }))
    return { first, second }
  })

describe("status table", () => {
  it.effect("MissingFileset: blocked, nothing written, no relation looked at", () =>
    Effect.gen(function* () {
      for (const fileset of [undefined, "", " , ,, "]) {
        const config = fileset === undefined ? {} : { fileset }
        const { exit, model: after } = yield* runEvent(
          model({ config, relations: { "backup:1": { fileset: "/old" } } }),
        )
        assert.isTrue(Exit.isSuccess(exit))
        assert.deepStrictEqual(after.status, { status: "blocked", message: "missing fileset config" })
        assert.deepStrictEqual(after.calls, ["config-get", "status-set"])
        assert.deepStrictEqual(after.relations, { "backup:1": { fileset: "/old" } })
      }
    }),
  )

  it.effect("InvalidFileset: blocked with the first offending path and the rule", () =>
    Effect.gen(function* () {
      const { model: after } = yield* runEvent(model({ config: { fileset: "/ok, relative/path, /a b" } }))
      assert.deepStrictEqual(after.status, {
        status: "blocked",
        message: 'invalid fileset: "relative/path": not an absolute path',
      })
    }),
  )

  it.effect("InvalidScript: Windows line endings block, naming the option, never the script", () =>
    Effect.gen(function* () {
      const { model: after, scripts } = yield* runEvent(
        model({ config: { fileset: "/srv", "run-after-backup": "#!/bin/sh\r\necho secret-token\r\n" } }),
      )
      assert.deepStrictEqual(after.status, {
        status: "blocked",
        message: "invalid run-after-backup: script has Windows (CRLF) line endings",
      })
      assert.deepStrictEqual(scripts, {})
    }),
  )

  it.effect("InvalidScript: a byte-order mark blocks, naming the option and the fix; nothing installed", () =>
    Effect.gen(function* () {
      // As a Windows editor saves UTF-8: the kernel would not see the #! line, /bin/sh would run it.
      const { model: after, scripts } = yield* runEvent(
        model({
          config: { fileset: "/srv", "run-before-backup": "\uFEFF#!/bin/bash\necho secret-token\n" },
          relations: { "backup:1": {} },
        }),
      )
      assert.deepStrictEqual(after.status, {
        status: "blocked",
        message:
          "invalid run-before-backup: script starts with a byte-order mark (save it as UTF-8 without BOM)",
      })
      assert.deepStrictEqual(scripts, {})
      assert.deepStrictEqual(after.relations["backup:1"], {})
    }),
  )

  it.effect("a script without #! is installed as it is: execvp runs it with /bin/sh", () =>
    Effect.gen(function* () {
      const script = "pg_dump mydb > /var/backups/pg/dump.sql\n"
      const { model: after, scripts } = yield* runEvent(
        model({ config: { fileset: "/srv", "run-before-backup": script }, relations: { "backup:1": {} } }),
      )
      assert.deepStrictEqual(after.status, { status: "active", message: "no backup yet" })
      assert.deepStrictEqual(scripts, { "run-before-backup": script })
    }),
  )

  it.effect("an option reported as null is unset", () =>
    Effect.gen(function* () {
      const { model: after } = yield* runEvent(
        model({ config: { fileset: "/srv", "run-after-backup": null }, relations: { "backup:1": {} } }),
      )
      assert.deepStrictEqual(after.relations["backup:1"], { fileset: "/srv", ...runnerPaths })
      const unset = yield* runEvent(model({ config: { fileset: null } }))
      assert.strictEqual(unset.model.status?.message, "missing fileset config")
    }),
  )

  it.effect("an option that is not a string fails the hook, without echoing the value", () =>
    Effect.gen(function* () {
      const { exit } = yield* runEvent(model({ config: { fileset: "/srv", "run-after-backup": ["s3cret"] } }))
      assert.isTrue(Exit.isFailure(exit))
      const cause = Exit.isFailure(exit) ? exit.cause.toString() : ""
      assert.include(cause, "config-get: printed an option that is not a string")
      assert.notInclude(cause, "s3cret")
    }),
  )

  it.effect("fileset is checked before the scripts", () =>
    Effect.gen(function* () {
      const { model: after } = yield* runEvent(model({ config: { "run-after-backup": "echo\r\n" } }))
      assert.strictEqual(after.status?.message, "missing fileset config")
    }),
  )

  it.effect("RelationMissing: waiting, but the scripts are installed", () =>
    Effect.gen(function* () {
      const { model: after, scripts } = yield* runEvent(model({ config: goodConfig }))
      assert.deepStrictEqual(after.status, { status: "waiting", message: "waiting for backup relation" })
      assert.deepStrictEqual(scripts, { "run-before-backup": dump, "run-after-restore": load })
      assert.deepStrictEqual(after.calls, ["config-get", "relation-ids", "status-set"])
    }),
  )

  it.effect("blocked takes priority over waiting", () =>
    Effect.gen(function* () {
      const { model: after } = yield* runEvent(model({ config: { fileset: "/a/../b" } }))
      assert.deepStrictEqual(after.status, {
        status: "blocked",
        message: 'invalid fileset: "/a/../b": ".." segment',
      })
    }),
  )

  it.effect("NotLeader: a follower installs the scripts, publishes nothing, and is active", () =>
    Effect.gen(function* () {
      const {
        exit,
        model: after,
        scripts,
      } = yield* runEvent(model({ leader: false, config: goodConfig, relations: { "backup:1": {} } }))
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(after.status, { status: "active", message: "no backup yet" })
      assert.deepStrictEqual(scripts, { "run-before-backup": dump, "run-after-restore": load })
      assert.deepStrictEqual(after.relations, { "backup:1": {} })
      assert.deepStrictEqual(after.calls, ["config-get", "relation-ids", "is-leader", "status-set"])
    }),
  )

  it.effect("HookToolError: the hook fails, no status is set, the fault names the tool", () =>
    Effect.gen(function* () {
      const { exit, model: after } = yield* runEvent(
        model({ config: goodConfig, relations: { "backup:1": {} }, failing: ["relation-set"] }),
      )
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? exit.cause.toString() : ""
      assert.include(error, "relation-set")
      assert.isUndefined(after.status)
      assert.notInclude(after.calls, "status-set")
      assert.deepStrictEqual(after.relations, { "backup:1": {} })
    }),
  )

  it.effect("DiskError: the hook fails before it lists the relations (spec order)", () =>
    Effect.gen(function* () {
      const { exit, model: after } = yield* runEvent(
        model({ config: goodConfig, relations: { "backup:1": {} }, disk: fullDisk() }),
      )
      assert.include(Exit.isFailure(exit) ? exit.cause.toString() : "", "DiskError")
      assert.deepStrictEqual(after.calls, ["config-get"])
    }),
  )

  it.effect("relation-ids failing alone is the fault reported, after the scripts are installed", () =>
    Effect.gen(function* () {
      const { exit, scripts } = yield* runEvent(
        model({ config: goodConfig, relations: { "backup:1": {} }, failing: ["relation-ids"] }),
      )
      assert.include(Exit.isFailure(exit) ? exit.cause.toString() : "", "relation-ids")
      assert.strictEqual(scripts["run-before-backup"], goodConfig["run-before-backup"])
    }),
  )
})

describe("the leader", () => {
  it.effect("publishes exactly the spec, logs it once at INFO without script contents", () =>
    Effect.gen(function* () {
      const { exit, model: after } = yield* runEvent(
        model({ config: goodConfig, relations: { "backup:1": {} } }),
      )
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(after.relations["backup:1"], publishedBag)
      assert.deepStrictEqual(after.status, { status: "active", message: "no backup yet" })
      assert.strictEqual(after.logs.length, 1)
      const [log] = after.logs
      assert.strictEqual(log?.level, "INFO")
      assert.include(log?.message, "/var/backups/pg,/etc/myapp")
      assert.include(log?.message, pathOf("run-before-backup"))
      assert.notInclude(log?.message, "s3cret")
    }),
  )

  it.effect("serves every backup relation", () =>
    Effect.gen(function* () {
      const { model: after } = yield* runEvent(
        model({ config: goodConfig, relations: { "backup:1": {}, "backup:7": { fileset: "/old" } } }),
      )
      assert.deepStrictEqual(after.relations, { "backup:1": publishedBag, "backup:7": publishedBag })
      assert.strictEqual(after.logs.length, 1)
    }),
  )

  it.effect("deletes keys that no longer apply, and only writes what differs", () =>
    Effect.gen(function* () {
      const stale = { ...publishedBag, "run-after-backup": "/old/path", legacy: "x" }
      const { model: after } = yield* runEvent(
        model({ config: goodConfig, relations: { "backup:1": stale } }),
      )
      assert.deepStrictEqual(after.relations["backup:1"], publishedBag)
    }),
  )

  it.effect("an unset script loses its file at once, and the bag does not change: its runner stays", () =>
    Effect.gen(function* () {
      for (const leader of [true, false]) {
        const unset = (m: FakeModel) => ({ ...m, config: { ...goodConfig, "run-before-backup": "  \n" } })
        const { first, second } = yield* twice(
          model({ leader, config: goodConfig, relations: { "backup:1": {} } }),
          unset,
        )
        assert.deepStrictEqual(second.model.relations, first.model.relations)
        assert.notInclude(second.model.calls, "relation-set")
        assert.deepStrictEqual(second.scripts, { "run-after-restore": load })
        assert.isTrue(second.model.disk.entries.has(pathOf("run-before-backup")))
        assert.deepStrictEqual(second.model.status, { status: "active", message: "no backup yet" })
      }
    }),
  )

  it.effect("steady state: an unchanged bag is not rewritten, nothing is logged, 4 hook-tool calls", () =>
    Effect.gen(function* () {
      const { second } = yield* twice(model({ config: goodConfig, relations: { "backup:1": {} } }))
      // No status-set: the status is what the unit's record says was shown.
      assert.deepStrictEqual(second.model.calls, ["config-get", "relation-ids", "is-leader", "relation-get"])
      assert.deepStrictEqual(second.model.status, { status: "active", message: "no backup yet" })
      assert.deepStrictEqual(second.model.logs, [])
    }),
  )

  it.effect("around install, start and stop, where Juju sets a status itself, the status is set again", () =>
    Effect.gen(function* () {
      for (const event of ["install", "start", "stop"]) {
        const { second } = yield* twice(
          model({ config: goodConfig, relations: { "backup:1": {} } }),
          (m) => ({
            ...m,
            event,
            status: { status: "waiting", message: "as Juju sets one" },
          }),
        )
        assert.deepStrictEqual(second.model.status, { status: "active", message: "no backup yet" }, event)
        assert.include(second.model.calls, "status-set", event)
      }
    }),
  )

  it.effect("a status set whose record could not be written is set again by the next hook", () =>
    Effect.gen(function* () {
      // The record is written aside in its directory, then renamed.
      const units = unitRecordPath(optDir, appName, 0).replace(/\/[^/]*$/, "/")
      const first = yield* runEvent(model({ config: goodConfig, relations: { "backup:1": {} } }))
      // Blocked is shown, then the record saying so cannot be put in place: the hook fails.
      const disk = first.model.disk
      const blocked = yield* runEvent({
        ...first.model,
        calls: [],
        config: { ...goodConfig, fileset: "relative" },
        disk: Object.assign(disk, {
          fault: (operation: string, path: string) => {
            const moved = disk.entries.get(path)
            return operation === "rename" &&
              path.startsWith(units) &&
              moved?.type === "File" &&
              moved.data.length > 0
              ? ("EIO" as const)
              : undefined
          },
        }),
      })
      assert.isTrue(Exit.isFailure(blocked.exit))
      assert.strictEqual(blocked.model.status?.status, "blocked")
      // The configuration is back as it was, and so must be the status the record showed before.
      const back = yield* runEvent({
        ...blocked.model,
        calls: [],
        config: goodConfig,
        disk: Object.assign(blocked.model.disk, { fault: () => undefined }),
      })
      assert.isTrue(Exit.isSuccess(back.exit))
      assert.deepStrictEqual(back.model.status, { status: "active", message: "no backup yet" })
    }),
  )

  it.effect("blocked keeps the last good spec: bag and scripts untouched", () =>
    Effect.gen(function* () {
      const { first, second } = yield* twice(
        model({ config: goodConfig, relations: { "backup:1": {} } }),
        (m) => ({
          ...m,
          config: { ...goodConfig, fileset: "/etc/{x}" },
        }),
      )
      assert.strictEqual(second.model.status?.status, "blocked")
      assert.deepStrictEqual(second.model.relations, first.model.relations)
      assert.deepStrictEqual(second.scripts, first.scripts)
    }),
  )

  it.effect("backup-relation-broken: the broken relation no longer counts", () =>
    Effect.gen(function* () {
      const alone = yield* runEvent(
        model({
          event: "backup-relation-broken",
          relationId: "backup:1",
          config: goodConfig,
          relations: { "backup:1": {} },
        }),
      )
      assert.deepStrictEqual(alone.model.status, {
        status: "waiting",
        message: "waiting for backup relation",
      })
      assert.deepStrictEqual(alone.model.relations, { "backup:1": {} })

      const other = yield* runEvent(
        model({
          event: "backup-relation-broken",
          relationId: "backup:1",
          config: goodConfig,
          relations: { "backup:1": {}, "backup:2": {} },
        }),
      )
      assert.deepStrictEqual(other.model.relations, { "backup:1": {}, "backup:2": publishedBag })
      assert.strictEqual(other.model.status?.status, "active")
    }),
  )

  it.effect("another endpoint's relation-broken does not drop a backup relation with the same number", () =>
    Effect.gen(function* () {
      const { model: after } = yield* runEvent(
        model({
          event: "juju-info-relation-broken",
          relationId: "juju-info:1",
          config: goodConfig,
          relations: { "backup:1": {} },
        }),
      )
      assert.deepStrictEqual(after.relations["backup:1"], publishedBag)
    }),
  )
})

describe("events", () => {
  it.effect.each(["meter-status-changed", "collect-metrics"])(
    "%s runs in a restricted context: nothing done, no hook tool called",
    (event) =>
      Effect.gen(function* () {
        const {
          exit,
          model: after,
          scripts,
        } = yield* runEvent(model({ event, config: goodConfig, relations: { "backup:1": {} } }))
        assert.isTrue(Exit.isSuccess(exit))
        assert.deepStrictEqual(after.calls, [])
        assert.deepStrictEqual(scripts, {})
      }),
  )

  it.effect("remove deletes the scripts and calls no hook tool", () =>
    Effect.gen(function* () {
      const { first, second } = yield* twice(
        model({ config: goodConfig, relations: { "backup:1": {} } }),
        (m) => ({
          ...m,
          event: "remove",
        }),
      )
      assert.deepStrictEqual(first.scripts, { "run-before-backup": dump, "run-after-restore": load })
      assert.isTrue(Exit.isSuccess(second.exit))
      assert.deepStrictEqual(second.scripts, {})
      assert.deepStrictEqual(second.model.calls, [])
    }),
  )

  it.effect.each([
    "install",
    "start",
    "upgrade-charm",
    "leader-elected",
    "update-status",
    "stop",
    "no-such-event",
  ])("%s reconciles", (event) =>
    Effect.gen(function* () {
      const { exit, model: after } = yield* runEvent(
        model({ event, config: goodConfig, relations: { "backup:1": {} } }),
      )
      assert.isTrue(Exit.isSuccess(exit))
      assert.deepStrictEqual(after.relations["backup:1"], publishedBag)
    }),
  )
})
