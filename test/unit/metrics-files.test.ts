// The charm's part in the metrics: it asks the runner to write them when the runner's settings
// changed (a new unit shows `no backup yet`), and deletes them with the application's last unit.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { runnerPath } from "../../src/domain/machine-paths.ts"
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
    "remove: kept while another unit of the application is on the machine, deleted with the last",
    () =>
      Effect.gen(function* () {
        const first = yield* runEvent(withExporter())
        putFile(first.model.disk, `${optDir}/backup-integrator-charm/${appName}/units/3`, "")
        const one = yield* runEvent(next(first.model, { event: "remove" }))
        assert.strictEqual(fileContent(one.model.disk, prom), "# metrics\n")
        one.model.disk.entries.delete(`${optDir}/backup-integrator-charm/${appName}/units/3`)
        const last = yield* runEvent(next(one.model, { event: "remove" }))
        assert.isFalse(last.model.disk.entries.has(prom))
        assert.isTrue(last.model.disk.entries.has(`${textfiles}/node.prom`))
      }),
  )
})
