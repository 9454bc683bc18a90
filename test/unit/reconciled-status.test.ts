import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { DiskError, HookToolError, NotInJuju, ReconcileStop } from "../../src/domain/failures.ts"
import { active, statusOf } from "../../src/domain/unit-status.ts"
import { reconciledStatus } from "../../src/programs/reconcile-and-report.ts"
import { members, sample } from "../support/schema-samples.ts"

describe("reconcile's outcome as a status", () => {
  it.effect("every member of ReconcileStop, however it is nested, shows its status and fails no hook", () =>
    Effect.gen(function* () {
      const stops = members(ReconcileStop).flatMap(
        (member) => sample(member, 5) as ReadonlyArray<ReconcileStop>,
      )
      for (const stop of stops) {
        const exit = yield* Effect.exit(reconciledStatus(Effect.fail(stop)))
        assert.deepStrictEqual(
          exit,
          Exit.succeed({
            status: statusOf(stop),
            waitingForSecret: stop._tag === "SecretUnreadable" ? stop.uri : null,
          }),
          stop._tag,
        )
      }
    }),
  )

  it.effect("a fault stays a failure, so that the hook fails and Juju retries it", () =>
    Effect.gen(function* () {
      for (const fault of [HookToolError, DiskError, NotInJuju].flatMap((schema) => sample(schema, 3))) {
        assert.deepStrictEqual(yield* Effect.exit(reconciledStatus(Effect.fail(fault))), Exit.fail(fault))
      }
    }),
  )

  it.effect("success is active", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* reconciledStatus(Effect.void), { status: active, waitingForSecret: null })
    }),
  )
})
