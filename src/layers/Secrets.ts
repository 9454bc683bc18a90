import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { HookToolError, SecretUnreadable } from "../domain/failures.ts"
import { HookTools } from "./HookTools.ts"

/** Juju secrets this application was granted (user secrets named by a `type: secret` option). */
export class Secrets extends Context.Service<
  Secrets,
  {
    /**
     * The content of the revision this unit tracks; `refresh` moves it to the newest first
     * (on `secret-changed`, as Juju intends a consumer to). The values are never logged.
     */
    readonly get: (
      uri: string,
      options: { readonly refresh: boolean },
    ) => Effect.Effect<Readonly<Record<string, string>>, HookToolError | SecretUnreadable>
  }
>()("backup-integrator/layers/Secrets") {
  static readonly layer = Layer.effect(
    Secrets,
    Effect.map(HookTools, (tools) =>
      Secrets.of({ get: (uri, { refresh }) => tools.secretGet({ uri, refresh }) }),
    ),
  )
}
