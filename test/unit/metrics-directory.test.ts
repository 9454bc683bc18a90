// `metrics-directory`: where the runner writes the metrics, checked before the runner uses it.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Result } from "effect"
import { runnerSettingsPath } from "../../src/domain/machine-paths.ts"
import { metricsDirectoriesOf, parseMetricsDirectory } from "../../src/domain/metrics-directory.ts"
import { appName, model, optDir } from "../support/fake-juju.ts"
import { fileContent } from "../support/memory-file-system.ts"
import { runEvent } from "../support/run-program.ts"

describe("metrics-directory", () => {
  it("unset or blank: Debian's node exporter's directory, with the snap's; a path is normalised", () => {
    assert.deepStrictEqual(parseMetricsDirectory(undefined), Result.succeed(undefined))
    assert.deepStrictEqual(parseMetricsDirectory("  "), Result.succeed(undefined))
    assert.deepStrictEqual(parseMetricsDirectory("/srv//metrics/"), Result.succeed("/srv/metrics"))
    assert.deepStrictEqual(metricsDirectoriesOf(undefined, "/opt"), [
      "/var/lib/prometheus/node-exporter",
      "/var/snap/node-exporter/common/textfile-collector.d",
    ])
    // The tests' stand-in for /opt: the machine's paths below its parent, never the real ones.
    assert.deepStrictEqual(metricsDirectoriesOf("/srv/m", "/tmp/unit/opt"), [
      "/srv/m",
      "/tmp/unit/var/snap/node-exporter/common/textfile-collector.d",
    ])
  })

  it("refuses what is not an absolute path of printable characters without . or .. segments", () => {
    for (const bad of [
      "metrics",
      "/srv/../etc",
      "/srv/./m",
      "/srv/m\nx",
      "/srv/\u200bm",
      `/${"a".repeat(4096)}`,
    ])
      assert.isTrue(Result.isFailure(parseMetricsDirectory(bad)), JSON.stringify(bad))
  })

  it.effect(
    "is handed to the runner with the node-exporter snap's directory and backup-max-age; a bad one blocks the unit",
    () =>
      Effect.gen(function* () {
        const ok = yield* runEvent(
          model({
            config: { fileset: "/srv", "metrics-directory": "/srv/textfiles", "backup-max-age": "8h" },
          }),
        )
        const settings = JSON.parse(fileContent(ok.model.disk, runnerSettingsPath(optDir, appName)) ?? "")
        // backup-max-age is the metrics' deadline too.
        assert.strictEqual(settings.backupMaxAge, 8 * 3600)
        assert.deepStrictEqual(settings.metricsDirectories, [
          "/srv/textfiles",
          "/var/snap/node-exporter/common/textfile-collector.d",
        ])
        const bad = yield* runEvent(model({ config: { fileset: "/srv", "metrics-directory": "textfiles" } }))
        assert.deepStrictEqual(bad.model.status, {
          status: "blocked",
          message: "invalid metrics-directory: not an absolute path",
        })
      }),
  )
})
