// runner.json as the charm writes it: only settings the runner keeps (src/runner/settings.py
// takes a value of another form as unset, silently).
import { assert, describe, it } from "@effect/vitest"
import { encodeRunnerSettings, type RunnerSettings } from "../../src/domain/runner-settings.ts"

describe("runner settings", () => {
  it("written key for key, in the schema's order, one line", () => {
    assert.strictEqual(
      encodeRunnerSettings({
        timeout: 1800,
        credentials: "/opt/backup-integrator-charm/app/credentials",
        metricsDirectories: ["/var/lib/prometheus/node-exporter"],
        backupMaxAge: 93_600,
      }),
      '{"timeout":1800,"credentials":"/opt/backup-integrator-charm/app/credentials","metricsDirectories":["/var/lib/prometheus/node-exporter"],"backupMaxAge":93600}\n',
    )
  })

  it("a value the runner would take as unset is never written: a relative directory, a fraction, 0", () => {
    for (const settings of [
      { metricsDirectories: ["relative"] },
      { metricsDirectories: [], timeout: 1.5 },
      { metricsDirectories: [], timeout: 0 },
      { metricsDirectories: [], backupMaxAge: 0 },
      { metricsDirectories: [], credentials: "credentials" },
    ] satisfies ReadonlyArray<RunnerSettings>)
      assert.throws(() => encodeRunnerSettings(settings), undefined, undefined, JSON.stringify(settings))
  })
})
