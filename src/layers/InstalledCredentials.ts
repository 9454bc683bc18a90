import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FileSystem from "effect/FileSystem"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { DiskError } from "../domain/failures.ts"
import { credentialsDirectory } from "../domain/machine-paths.ts"
import { Descriptors } from "./Descriptors.ts"
import { list, step } from "./disk-steps.ts"
import { JujuContext } from "./JujuContext.ts"

/** Far more than a password or a key; a larger file is refused rather than read whole. */
const maxCredentialBytes = 1024 * 1024

/**
 * The credential values installed on this machine (`credentials/<key>`), as the charm wrote
 * them: what it hides in whatever it repeats of a script's output. Never shown, never logged.
 */
export class InstalledCredentials extends Context.Service<
  InstalledCredentials,
  { readonly values: Effect.Effect<ReadonlyArray<string>, DiskError> }
>()("backup-integrator/layers/InstalledCredentials") {
  static readonly layer = Layer.effect(
    InstalledCredentials,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const descriptors = yield* Descriptors
      const { optDir, appName } = yield* JujuContext
      const directory = credentialsDirectory(optDir, appName)

      /** A value that cannot be read cannot be hidden: then nothing that may hold it is shown. */
      const value = Effect.fnUntraced(function* (path: string) {
        const data = yield* step("read", path, descriptors.readTrusted(path, maxCredentialBytes))
        if (Option.isNone(data)) {
          return yield* new DiskError({
            operation: "read",
            path,
            reason: "not a file the charm wrote (at most 1 MiB), so its value could not be hidden",
          })
        }
        return new TextDecoder().decode(data.value)
      })

      return InstalledCredentials.of({
        values: Effect.flatMap(list(fs, directory), (names) =>
          Effect.forEach(names, (name) => value(`${directory}/${name}`)),
        ),
      })
    }),
  )
}
