import { Effect, Exit, Ref } from "effect"
import { dispatch } from "../../src/programs/dispatch.ts"
import { type FakeModel, FakeState, testLayer } from "./fake-juju.ts"

/**
 * Runs the event dispatch against a fake model: how it ended, and the model afterwards. As
 * Juju does, relation data a failed hook wrote is discarded; everything else stays.
 */
export const runDispatch = (initial: FakeModel) =>
  Effect.gen(function* () {
    const exit = yield* Effect.exit(dispatch)
    const after = yield* Ref.get(yield* FakeState)
    return { exit, model: Exit.isSuccess(exit) ? after : { ...after, relations: initial.relations } }
  }).pipe(Effect.provide(testLayer(initial)))
