// The charm's part in the metrics: it asks the runner to write them when the runner's settings
// changed (a new unit shows `no backup yet`) or a directory it wrote in is no longer listed, and
// to delete them with the application's last unit; it logs what the runner said, and fails the
// hook when a delete may pass on a second try. The runner alone touches the files.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Option } from "effect"
import { runnerPath } from "../../src/domain/machine-paths.ts"
import { faultLine } from "../../src/programs/report-fault.ts"
import { appName, type FakeModel, model, optDir } from "../support/fake-juju.ts"
import { fileContent, putFile } from "../support/memory-file-system.ts"
import { runEvent } from "../support/run-program.ts"

const textfiles = "/var/lib/prometheus/node-exporter"
const prom = `${textfiles}/backup-integrator-backup-integrator.prom`
const runner = runnerPath(optDir, appName, "run-before-backup")
const config = { fileset: "/srv", "run-before-backup": "#!/bin/sh\necho dump\n" }

/** A machine with Debian's node exporter's directory. */
const withExporter = (overrides: Partial<FakeModel> = {}) => {
  const m = model({ config, relations: { "backup:1": {} }, ...overrides })
  putFile(m.disk, `${textfiles}/node.prom`, "")
  return m
}

const next = (m: FakeModel, change: Partial<FakeModel> = {}): FakeModel => ({ ...m, calls: [], ...change })

describe("the metrics files", () => {
  it.effect("a new unit has the runner write them once; a steady hook does not ask again", () =>
    Effect.gen(function* () {
      const first = yield* runEvent(withExporter())
      assert.deepStrictEqual(first.model.metricsWrites, [runner])
      assert.strictEqual(fileContent(first.model.disk, prom), "# metrics\n")
      const steady = yield* runEvent(next(first.model))
      assert.deepStrictEqual(steady.model.metricsWrites, [runner])
    }),
  )

  it.effect("changed settings (script-timeout) have them written again", () =>
    Effect.gen(function* () {
      const first = yield* runEvent(withExporter())
      const changed = yield* runEvent(next(first.model, { config: { ...config, "script-timeout": "1h" } }))
      assert.deepStrictEqual(changed.model.metricsWrites, [runner, runner])
    }),
  )

  it.effect("no textfile directory on the machine: the runner is not started", () =>
    Effect.gen(function* () {
      const { model: after } = yield* runEvent(model({ config, relations: { "backup:1": {} } }))
      assert.isUndefined(after.metricsWrites)
    }),
  )

  it.effect(
    "remove: kept while another unit of the application is on the machine; the last asks the runner to delete them",
    () =>
      Effect.gen(function* () {
        const first = yield* runEvent(withExporter())
        putFile(first.model.disk, `${optDir}/backup-integrator-charm/${appName}/units/3`, "")
        const one = yield* runEvent(next(first.model, { event: "remove" }))
        assert.isUndefined(one.model.metricsRemovals)
        assert.strictEqual(fileContent(one.model.disk, prom), "# metrics\n")
        one.model.disk.entries.delete(`${optDir}/backup-integrator-charm/${appName}/units/3`)
        const last = yield* runEvent(next(one.model, { event: "remove" }))
        assert.isTrue(Exit.isSuccess(last.exit))
        assert.deepStrictEqual(last.model.metricsRemovals, [runner])
        assert.isFalse(last.model.disk.entries.has(prom))
        assert.isTrue(last.model.disk.entries.has(`${textfiles}/node.prom`))
      }),
  )

  it.effect("a new metrics-directory: the runner is asked again, and the old directory's file goes", () =>
    Effect.gen(function* () {
      const first = yield* runEvent(withExporter())
      const other = "/srv/textfiles"
      putFile(first.model.disk, `${other}/node.prom`, "")
      const moved = yield* runEvent(next(first.model, { config: { ...config, "metrics-directory": other } }))
      assert.deepStrictEqual(moved.model.metricsWrites, [runner, runner])
      assert.isFalse(moved.model.disk.entries.has(prom))
      assert.strictEqual(fileContent(moved.model.disk, `${other}/${prom.split("/").at(-1)}`), "# metrics\n")
    }),
  )

  it.effect("the old directory gone: the runner is still asked, until it no longer keeps it", () =>
    Effect.gen(function* () {
      const first = yield* runEvent(withExporter())
      for (const path of [...first.model.disk.entries.keys()].filter((p) => p.startsWith(textfiles)))
        first.model.disk.entries.delete(path)
      const moved = yield* runEvent(
        next(first.model, { config: { ...config, "metrics-directory": "/srv/none" } }),
      )
      assert.deepStrictEqual(moved.model.metricsWrites, [runner, runner])
      const steady = yield* runEvent(next(moved.model))
      assert.deepStrictEqual(steady.model.metricsWrites, [runner, runner])
    }),
  )

  it.effect(
    "what the runner left alone is a warning in the log; a delete that may pass fails remove, and the next try passes",
    () =>
      Effect.gen(function* () {
        const first = yield* runEvent(withExporter())
        const said = [
          "backup-integrator: could not delete the metrics file in /var/lib/prometheus/node-exporter: backup-integrator-backup-integrator.prom is a directory, not the metrics file: left alone",
          "backup-integrator: could not delete the metrics file in /srv/x: Input/output error",
        ]
        const failed = yield* runEvent(
          next(first.model, { event: "remove", metricsAnswer: { said, tryAgain: true } }),
        )
        assert.isTrue(Exit.isFailure(failed.exit))
        // The hook's error, as the operator reads it: what could not be done, where to look, what comes next.
        assert.strictEqual(
          Exit.findErrorOption(failed.exit).pipe(Option.map(faultLine), Option.getOrUndefined),
          "backup-integrator: cannot delete an old metrics file: a failure that may pass (the warning above says which); Juju runs the hook again",
        )
        assert.deepStrictEqual(
          failed.model.logs.filter(({ level }) => level === "WARNING").map(({ message }) => message),
          said,
        )
        assert.isTrue(
          failed.model.disk.entries.has(`${optDir}/backup-integrator-charm/${appName}/units/0`),
          "the unit stays, for Juju's next try",
        )
        const passed = yield* runEvent(
          next(failed.model, {
            event: "remove",
            logs: [],
            metricsAnswer: { said: said.slice(0, 1), tryAgain: false },
          }),
        )
        assert.isTrue(Exit.isSuccess(passed.exit))
        assert.deepStrictEqual(passed.model.metricsRemovals, [runner, runner])
        assert.isFalse(passed.model.disk.entries.has(`${optDir}/backup-integrator-charm/${appName}`))
      }),
  )
})
