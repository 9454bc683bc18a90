// What a backup held, through real runs of the real runner: run-before-backup's runner walks
// each fileset path of runner.json after the script and before it exits (before Bacula reads a
// byte), records it with the run and the job, and the metrics say it per path.
import { spawnSync } from "node:child_process"
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Schema from "effect/Schema"
import { afterEach, assert, describe, it } from "vitest"
import { JobJournal } from "../../src/domain/job-journal.ts"
import type { ScriptOption } from "../../src/domain/options.ts"
import { RunRecord } from "../../src/domain/run-record.ts"
import { runnerApp } from "../support/runner-app.ts"

const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** An application directory with the four runners, `scripts`, and runner.json naming `fileset`. */
const install = (
  scripts: Partial<Record<ScriptOption, string>>,
  fileset: ReadonlyArray<string>,
  textfiles?: string,
) => {
  const app = runnerApp("held-", scripts, {
    fileset,
    metricsDirectories: textfiles === undefined ? [] : [textfiles],
  })
  dirs.push(app)
  return app
}

const run = (app: string, option: ScriptOption, env: Record<string, string> = {}) =>
  spawnSync(join(app, "scripts", option), [], {
    encoding: "utf8",
    env: { PATH: "/usr/bin:/bin", ...env },
    timeout: 60_000,
  })

const newestRecord = (app: string, option: ScriptOption) => {
  const [newest] = readdirSync(join(app, "runs", option))
    .sort()
    .reverse()
  return Schema.decodeUnknownSync(Schema.fromJsonString(RunRecord))(
    readFileSync(join(app, "runs", option, newest as string), "utf8"),
  )
}

const journalOf = (app: string) =>
  Schema.decodeUnknownSync(Schema.fromJsonString(JobJournal))(readFileSync(join(app, "jobs.json"), "utf8"))

/** A place for the data, outside the application's directory. */
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "held-data-"))
  dirs.push(dir)
  return dir
}

describe("what a backup held", () => {
  it("after the script, before exiting: what it wrote counted, a missing path and an empty one said; with the run and the job", () => {
    const data = dataDir()
    mkdirSync(join(data, "empty"))
    const dump = join(data, "dump")
    const app = install(
      { "run-before-backup": `#!/bin/sh\nmkdir -p ${dump}\nprintf 0123456789 > ${dump}/db.sql\n` },
      [dump, join(data, "gone"), join(data, "empty")],
    )
    assert.strictEqual(run(app, "run-before-backup").status, 0)
    const { held } = newestRecord(app, "run-before-backup")
    assert.isDefined(held)
    assert.deepStrictEqual(
      held?.paths.map(({ path, present, files, bytes, complete }) => ({
        path,
        present,
        files,
        bytes,
        complete,
      })),
      [
        { path: dump, present: true, files: 1, bytes: 10, complete: true },
        { path: join(data, "gone"), present: false, files: 0, bytes: 0, complete: true },
        { path: join(data, "empty"), present: true, files: 0, bytes: 0, complete: true },
      ],
    )
    assert.strictEqual(held?.unchecked, 0)
    const [job] = journalOf(app).backup.jobs
    assert.deepStrictEqual(job?.scripts["run-before-backup"]?.held, held)
  })

  it("no script set: the runner still walks and records; a link in the fileset counts as a link, not followed", () => {
    const data = dataDir()
    writeFileSync(join(data, "big"), Buffer.alloc(100_000))
    symlinkSync(join(data, "big"), join(data, "link"))
    const app = install({}, [join(data, "link")])
    assert.strictEqual(run(app, "run-before-backup").status, 0)
    const record = newestRecord(app, "run-before-backup")
    assert.strictEqual(record.set, false)
    assert.deepInclude(record.held?.paths[0], { present: true, files: 1, bytes: 0 })
  })

  it("no walk when the script failed, in a run-script action, or for any other option", () => {
    const data = dataDir()
    const app = install(
      { "run-before-backup": "#!/bin/sh\nexit 2\n", "run-before-restore": "#!/bin/sh\nexit 0\n" },
      [data],
    )
    assert.strictEqual(run(app, "run-before-backup").status, 2)
    assert.isUndefined(newestRecord(app, "run-before-backup").held)
    writeFileSync(join(app, "operator-scripts", "run-before-backup"), "#!/bin/sh\nexit 0\n", { mode: 0o700 })
    assert.strictEqual(run(app, "run-before-backup", { BACKUP_INTEGRATOR_ACTION: "1" }).status, 0)
    assert.isUndefined(newestRecord(app, "run-before-backup").held)
    for (const option of ["run-after-backup", "run-before-restore", "run-after-restore"] as const) {
      assert.strictEqual(run(app, option).status, 0)
      assert.isUndefined(newestRecord(app, option).held, option)
    }
  })

  it("the metrics say each path of the newest walk: present, files, bytes, newest change, complete, when checked", () => {
    const data = dataDir()
    writeFileSync(join(data, "a"), "abc")
    const textfiles = dataDir()
    const app = install({}, [data, join(data, "gone")], textfiles)
    assert.strictEqual(run(app, "run-before-backup").status, 0)
    const app_ = app.slice(app.lastIndexOf("/") + 1)
    const text = readFileSync(join(textfiles, `backup-integrator-${app_}.prom`), "utf8")
    const value = (name: string, path: string) =>
      new RegExp(`^backup_integrator_${name}\\{[^}]*path="${path}"[^}]*\\} (\\S+)$`, "m").exec(text)?.[1]
    assert.strictEqual(value("path_present", data), "1")
    assert.strictEqual(value("path_files", data), "1")
    assert.strictEqual(value("path_bytes", data), "3")
    assert.strictEqual(value("path_complete", data), "1")
    assert.isAbove(Number(value("path_newest_change_timestamp_seconds", data)), 1_700_000_000)
    assert.isAbove(Number(value("path_checked_timestamp_seconds", data)), 1_700_000_000)
    assert.strictEqual(value("path_present", join(data, "gone")), "0")
    assert.isUndefined(value("path_newest_change_timestamp_seconds", join(data, "gone")))
  })
})
