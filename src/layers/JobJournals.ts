import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { DiskError } from "../domain/failures.ts"
import { fingerprintOf } from "../domain/file-fingerprint.ts"
import { emptyJournal, JobJournal, maxJournalBytes } from "../domain/job-journal.ts"
import { jobJournalPath } from "../domain/machine-paths.ts"
import { Descriptors } from "./Descriptors.ts"
import { fileStatOf, lstatIfAny, step } from "./disk-steps.ts"
import { JujuContext } from "./JujuContext.ts"

const decode = Schema.decodeUnknownOption(Schema.fromJsonString(JobJournal))

/** The job journal the runner (src/runner/) keeps of this machine's backups and restores. */
export class JobJournals extends Context.Service<
  JobJournals,
  {
    /** The journal; empty when there is none yet, or the file is not one the runner wrote. */
    readonly read: Effect.Effect<JobJournal, DiskError>
    /** Its fingerprint (src/domain/file-fingerprint.ts): a job's run changes it. */
    readonly fingerprint: Effect.Effect<string, DiskError>
  }
>()("backup-integrator/layers/JobJournals") {
  static readonly layer = Layer.effect(
    JobJournals,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const descriptors = yield* Descriptors
      const { optDir, appName } = yield* JujuContext
      const path = jobJournalPath(optDir, appName)
      return JobJournals.of({
        // Only a journal the runner wrote (src/domain/trusted-file.ts): never a link, a FIFO, another user's.
        read: Effect.map(step("read", path, descriptors.readTrusted(path, maxJournalBytes)), (data) =>
          Option.getOrElse(
            Option.flatMap(data, (bytes) => decode(new TextDecoder().decode(bytes))),
            () => emptyJournal,
          ),
        ),
        fingerprint: Effect.map(lstatIfAny(fs, path), (found) =>
          fingerprintOf(Option.getOrUndefined(Option.map(found, fileStatOf))),
        ),
      })
    }),
  )
}
