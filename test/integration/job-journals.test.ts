// The journal as the charm reads it, on Node's FileSystem and a real (temporary) disk: only a
// regular file of bounded size, never through a link, never blocking on a FIFO.
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { emptyJournal, type JobJournal, maxJournalBytes } from "../../src/domain/job-journal.ts"
import { Descriptors } from "../../src/layers/Descriptors.ts"
import { JobJournals } from "../../src/layers/JobJournals.ts"
import { jujuContext } from "../support/juju-context.ts"

const withJournals = <A, E>(f: (journals: JobJournals["Service"], path: string) => Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const opt = mkdtempSync(join(tmpdir(), "job-journals-"))
    const app = join(opt, "backup-integrator-charm", "backup-integrator")
    mkdirSync(app, { recursive: true })
    const journals = yield* Effect.provide(
      JobJournals,
      JobJournals.layer.pipe(
        Layer.provide(Layer.merge(NodeFileSystem.layer, Descriptors.layer)),
        Layer.provide(jujuContext({ optDir: opt })),
      ),
    )
    return yield* f(journals, join(app, "jobs.json")).pipe(
      Effect.ensuring(Effect.sync(() => rmSync(opt, { recursive: true, force: true }))),
    )
  })

const oneBackup: JobJournal = {
  ...emptyJournal,
  backup: {
    counts: { succeeded: 1, failed: 0, noResult: 0 },
    lastSuccess: "2026-12-03T01:00:00.000Z",
    jobs: [
      {
        sequence: 1,
        started: null,
        ended: "2026-12-03T01:00:00.000Z",
        outcome: "succeeded",
        durationMs: null,
        resultDue: null,
        scripts: { "run-before-backup": null },
      },
    ],
  },
}

describe("JobJournals (live)", () => {
  it.effect("reads a journal; none yet is an empty one; its fingerprint changes with it", () =>
    withJournals((journals, path) =>
      Effect.gen(function* () {
        assert.deepStrictEqual(yield* journals.read, emptyJournal)
        assert.strictEqual(yield* journals.fingerprint, "absent")
        writeFileSync(path, JSON.stringify(oneBackup), { mode: 0o600 })
        assert.deepStrictEqual(yield* journals.read, oneBackup)
        const first = yield* journals.fingerprint
        writeFileSync(`${path}.new`, JSON.stringify(emptyJournal))
        spawnSync("mv", [`${path}.new`, path])
        assert.notStrictEqual(yield* journals.fingerprint, first)
      }),
    ),
  )

  it.effect("what is not a journal reads as none: garbage, too large, a link, a FIFO, a directory", () =>
    withJournals((journals, path) =>
      Effect.gen(function* () {
        writeFileSync(path, '{"version": 2}')
        assert.deepStrictEqual(yield* journals.read, emptyJournal)
        writeFileSync(path, JSON.stringify(oneBackup).padEnd(maxJournalBytes + 1, " "))
        assert.deepStrictEqual(yield* journals.read, emptyJournal)
        rmSync(path)
        const elsewhere = `${path}.elsewhere`
        writeFileSync(elsewhere, JSON.stringify(oneBackup))
        symlinkSync(elsewhere, path)
        assert.deepStrictEqual(yield* journals.read, emptyJournal)
        rmSync(path)
        // Opened, a FIFO with no writer would block the hook for ever.
        spawnSync("mkfifo", [path])
        assert.deepStrictEqual(yield* journals.read, emptyJournal)
        rmSync(path)
        mkdirSync(path)
        assert.deepStrictEqual(yield* journals.read, emptyJournal)
      }),
    ),
  )

  it.effect(
    "a journal whose times or signals are not in the runner's form reads as none: no text of its own reaches a status or show-backups",
    () =>
      withJournals((journals, path) =>
        Effect.gen(function* () {
          const [job] = oneBackup.backup.jobs
          const hostile = [
            { ...oneBackup.backup, lastSuccess: "2026-12-03T01:00:00.000Z\u202e" },
            { ...oneBackup.backup, lastSuccess: "run `curl x | sh` now" },
            { ...oneBackup.backup, jobs: [{ ...job, started: "2026-12-03T01:00:00.000Z\u2028see" }] },
            {
              ...oneBackup.backup,
              jobs: [
                {
                  ...job,
                  scripts: {
                    "run-after-backup": {
                      set: true,
                      started: "2026-12-03T01:00:00.000Z",
                      ended: "2026-12-03T01:00:00.000Z",
                      durationMs: 0,
                      exitStatus: null,
                      signal: "SIGKILL\u200b and more",
                      timedOut: false,
                    },
                  },
                },
              ],
            },
          ]
          for (const backup of hostile) {
            writeFileSync(path, JSON.stringify({ ...oneBackup, backup }), { mode: 0o600 })
            assert.deepStrictEqual(yield* journals.read, emptyJournal, JSON.stringify(backup))
          }
          // Version 1, as runners before this one wrote it, still reads, its counts whole.
          const { sequence: _, ...v1Job } = job as NonNullable<typeof job>
          const { resultDue: __, ...v1JobFields } = v1Job
          const v1 = {
            version: 1,
            backup: {
              counts: { succeeded: 1, failed: 0 },
              lastSuccess: oneBackup.backup.lastSuccess,
              jobs: [v1JobFields],
            },
            restore: { counts: { succeeded: 0, failed: 0 }, lastSuccess: null, jobs: [] },
          }
          writeFileSync(path, JSON.stringify(v1), { mode: 0o600 })
          assert.deepStrictEqual(yield* journals.read, { ...oneBackup, sequence: 0 })
          // And is held to the same forms.
          for (const lastSuccess of ["2026-12-03T01:00:00.000Z\u202e", "run `curl x | sh` now"]) {
            writeFileSync(path, JSON.stringify({ ...v1, backup: { ...v1.backup, lastSuccess } }), {
              mode: 0o600,
            })
            assert.deepStrictEqual(yield* journals.read, emptyJournal, lastSuccess)
          }
        }),
      ),
  )

  it("bounds the journal as the runner does", () => {
    assert.include(
      readFileSync("src/runner/files.py", "utf8"),
      `READ_MAX_BYTES = 1 << ${Math.log2(maxJournalBytes)}`,
    )
  })
})
