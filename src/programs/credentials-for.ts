import * as Effect from "effect/Effect"
import * as Result from "effect/Result"
import { credentialFiles, shortSecretUri } from "../domain/credentials.ts"
import { type CredentialsFailure, SecretUnreadable } from "../domain/failures.ts"
import { JujuContext } from "../layers/JujuContext.ts"
import { JujuLog } from "../layers/JujuLog.ts"
import type { Credentials } from "../layers/ScriptStore.ts"
import { Secrets } from "../layers/Secrets.ts"

const lastGood: Credentials = { _tag: "LastGood" }

/**
 * What the credentials directory is to hold for the `credentials` option (a secret URI, or
 * none), and why the secret cannot be used, if so: then the last good files stay. A new
 * revision is taken on `secret-changed`, as Juju intends a consumer to track it.
 */
export const credentialsFor = Effect.fn("credentialsFor")(function* (uri: string | undefined) {
  if (uri === undefined) return { credentials: { _tag: "None" } as Credentials, problem: undefined }
  const { event } = yield* JujuContext
  const content = yield* (yield* Secrets)
    .get(uri, { refresh: event === "secret-changed" })
    .pipe(Effect.catchTag("SecretUnreadable", (unreadable) => Effect.succeed(unreadable)))
  if (content instanceof SecretUnreadable) {
    // What secret-get said (no value: it printed none), for whoever grants it.
    yield* (yield* JujuLog).info(
      `cannot read the credentials secret ${shortSecretUri(uri)}: ${content.reason}`,
    )
    return { credentials: lastGood, problem: content as CredentialsFailure }
  }
  const files = credentialFiles(content)
  return Result.isFailure(files)
    ? { credentials: lastGood, problem: files.failure as CredentialsFailure }
    : { credentials: { _tag: "Files", files: files.success } as Credentials, problem: undefined }
})
