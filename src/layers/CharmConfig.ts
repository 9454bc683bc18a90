import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { HookToolError } from "../domain/failures.ts"
import { CharmConfigValues } from "../domain/options.ts"
import { HookTools } from "./HookTools.ts"

/** The charm's configuration as the operator set it, before validation. */
export class CharmConfig extends Context.Service<
  CharmConfig,
  { readonly get: Effect.Effect<CharmConfigValues, HookToolError> }
>()("backup-integrator/layers/CharmConfig") {
  static readonly layer = Layer.effect(
    CharmConfig,
    Effect.gen(function* () {
      const tools = yield* HookTools
      const decode = Schema.decodeUnknownEffect(CharmConfigValues)
      return CharmConfig.of({
        get: tools.configGet().pipe(
          // An unset option is absent, or null the way `config-get --all` shows it.
          Effect.map((values) =>
            Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null)),
          ),
          Effect.flatMap((values) =>
            // The values may hold credentials: the error names the problem, not the content.
            decode(values).pipe(
              Effect.mapError(
                () =>
                  new HookToolError({ tool: "config-get", reason: "printed an option that is not a string" }),
              ),
            ),
          ),
        ),
      })
    }),
  )
}
