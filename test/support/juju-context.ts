import { Duration, Layer } from "effect"
import { JujuContext } from "../../src/layers/JujuContext.ts"

/** JujuContext as the tests run a unit: unit 0 of backup-integrator, /opt, a 60 s tool limit. */
export const jujuContext = (overrides: Partial<JujuContext["Service"]> = {}) =>
  Layer.succeed(
    JujuContext,
    JujuContext.of({
      event: "config-changed",
      action: undefined,
      appName: "backup-integrator",
      unitNumber: 0,
      relationId: undefined,
      modelName: "test",
      modelUuid: "2a2fb8a6-7a2c-4e8e-8f4e-0d3f1c2b9e11",
      optDir: "/opt",
      hookToolTimeout: Duration.seconds(60),
      ...overrides,
    }),
  )
