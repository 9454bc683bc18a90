// An application directory laid out as the charm lays it out on the machine, for tests that run
// the real runner as Bacula does: the four runners at the published paths, the operator's
// scripts beside them, and runner.json as the charm writes it (held to its schema).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { type ScriptOption, scriptOptions } from "../../src/domain/options.ts"
import { encodeRunnerSettings, type RunnerSettings } from "../../src/domain/runner-settings.ts"
import runnerFile from "../../src/runner/runner.pyz"

/** A new temporary application directory named `<prefix>…`; the caller deletes it. */
export const runnerApp = (
  prefix: string,
  scripts: Partial<Record<ScriptOption, string>>,
  settings?: Partial<RunnerSettings>,
): string => {
  const app = mkdtempSync(join(tmpdir(), prefix))
  mkdirSync(join(app, "scripts"))
  mkdirSync(join(app, "operator-scripts"), { mode: 0o700 })
  for (const option of scriptOptions) writeFileSync(join(app, "scripts", option), runnerFile, { mode: 0o700 })
  for (const [option, script] of Object.entries(scripts))
    writeFileSync(join(app, "operator-scripts", option), script, { mode: 0o700 })
  if (settings !== undefined)
    writeFileSync(
      join(app, "runner.json"),
      encodeRunnerSettings({ metricsDirectories: [], fileset: [], ...settings }),
      { mode: 0o600 },
    )
  return app
}
