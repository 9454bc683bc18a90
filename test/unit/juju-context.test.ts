import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { JujuContext } from "../../src/layers/JujuContext.ts"

const read = (env: Record<string, string>) =>
  Effect.exit(Effect.provide(JujuContext, JujuContext.fromEnvironment(env)))

describe("JujuContext", () => {
  it.effect("reads the event, the application and the relation from Juju's environment", () =>
    Effect.gen(function* () {
      const exit = yield* read({
        JUJU_DISPATCH_PATH: "hooks/backup-relation-broken",
        JUJU_UNIT_NAME: "my-backup-b2/13",
        JUJU_RELATION_ID: "backup:4",
      })
      assert.isTrue(Exit.isSuccess(exit))
      if (Exit.isSuccess(exit)) {
        assert.deepInclude(exit.value, {
          event: "backup-relation-broken",
          appName: "my-backup-b2",
          unitNumber: 13,
          relationId: "backup:4",
          optDir: "/opt",
        })
      }
    }),
  )

  it.effect("says what is missing outside Juju, and refuses a unit name that is not one", () =>
    Effect.gen(function* () {
      const missing = yield* read({})
      assert.include(
        String(Exit.isFailure(missing) && missing.cause),
        "JUJU_DISPATCH_PATH, JUJU_UNIT_NAME not set",
      )
      for (const unit of [
        "../../etc/0",
        "app",
        "App/0",
        "app/x",
        "a/0/1",
        "unit-app",
        "unit-app-x",
        "unit-/0",
      ]) {
        const exit = yield* read({ JUJU_DISPATCH_PATH: "hooks/install", JUJU_UNIT_NAME: unit })
        assert.isTrue(Exit.isFailure(exit), unit)
      }
    }),
  )

  it.effect("reads the unit tag that Juju sets in a restricted context", () =>
    Effect.gen(function* () {
      const exit = yield* read({
        JUJU_DISPATCH_PATH: "hooks/collect-metrics",
        JUJU_UNIT_NAME: "unit-my-app2-7",
      })
      assert.deepInclude(Exit.isSuccess(exit) ? exit.value : {}, {
        event: "collect-metrics",
        appName: "my-app2",
        unitNumber: 7,
      })
    }),
  )

  it.effect("lets the scripts root be redirected, for tests", () =>
    Effect.gen(function* () {
      const exit = yield* read({
        JUJU_DISPATCH_PATH: "hooks/install",
        JUJU_UNIT_NAME: "b/0",
        BACKUP_INTEGRATOR_OPT_DIR: "/tmp/x/",
      })
      assert.isTrue(Exit.isSuccess(exit) && exit.value.optDir === "/tmp/x")
    }),
  )
})
