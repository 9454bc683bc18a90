import { Effect, Exit, Ref } from "effect"
import { handleEvent } from "../../src/programs/handle-event.ts"
import { type FakeModel, FakeState, installedScripts, testLayer } from "./fake-juju.ts"

/**
 * Runs the program for one event against a fake model: how it ended, the model afterwards,
 * and the scripts on its disk. As Juju does, relation data a failed hook wrote is discarded;
 * everything else stays.
 */
export const runEvent = (initial: FakeModel) =>
  Effect.gen(function* () {
    const exit = yield* Effect.exit(handleEvent)
    const after = yield* Ref.get(yield* FakeState)
    return {
      exit,
      model: Exit.isSuccess(exit) ? after : { ...after, relations: initial.relations },
      scripts: installedScripts(initial.disk),
    }
  }).pipe(Effect.provide(testLayer(initial)))
