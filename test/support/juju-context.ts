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
      optDir: "/opt",
      hookToolTimeout: Duration.seconds(60),
      ...overrides,
    }),
  )
