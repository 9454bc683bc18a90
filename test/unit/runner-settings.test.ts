// runner.json's one schema, as the charm reads it back (MetricsFiles, at remove).
import { assert, describe, it } from "@effect/vitest"
import * as Option from "effect/Option"
import { decodeRunnerSettings, encodeRunnerSettings } from "../../src/domain/runner-settings.ts"

describe("runner settings", () => {
  it("reads back what the charm writes, key for key", () => {
    const settings = {
      timeout: 1800,
      credentials: "/opt/backup-integrator-charm/app/credentials",
      metricsDirectories: ["/var/lib/prometheus/node-exporter"],
      backupMaxAge: 93_600,
      fileset: ["/srv/db", "/etc/app"],
    }
    assert.deepStrictEqual(decodeRunnerSettings(encodeRunnerSettings(settings)), Option.some(settings))
  })

  it("a key it does not know (a newer charm's) is passed over: the settings it knows still count", () => {
    assert.deepStrictEqual(
      decodeRunnerSettings('{"metricsDirectories":["/m"],"fileset":["/srv"],"later":1}'),
      Option.some({ metricsDirectories: ["/m"], fileset: ["/srv"] }),
    )
  })

  it("settings that are not the charm's are none: 0.1.0's (no metrics), a relative directory or path, a fraction, no fileset (before 28)", () => {
    for (const text of [
      '{"timeout":1800}',
      '{"metricsDirectories":["relative"],"fileset":[]}',
      '{"metricsDirectories":[],"fileset":[],"timeout":1.5}',
      '{"metricsDirectories":[],"fileset":[],"backupMaxAge":0}',
      '{"metricsDirectories":[],"fileset":["srv"]}',
      '{"metricsDirectories":[]}',
      "not json",
    ])
      assert.isTrue(Option.isNone(decodeRunnerSettings(text)), text)
  })
})
