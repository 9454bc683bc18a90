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
    }
    assert.deepStrictEqual(decodeRunnerSettings(encodeRunnerSettings(settings)), Option.some(settings))
  })

  it("a key it does not know (a newer charm's) is passed over: the settings it knows still count", () => {
    assert.deepStrictEqual(
      decodeRunnerSettings('{"metricsDirectories":["/m"],"fileset":["/srv"]}'),
      Option.some({ metricsDirectories: ["/m"] }),
    )
  })

  it("settings that are not the charm's are none: 0.1.0's (no metrics), a relative directory, a fraction", () => {
    for (const text of [
      '{"timeout":1800}',
      '{"metricsDirectories":["relative"]}',
      '{"metricsDirectories":[],"timeout":1.5}',
      '{"metricsDirectories":[],"backupMaxAge":0}',
      "not json",
    ])
      assert.isTrue(Option.isNone(decodeRunnerSettings(text)), text)
  })
})
