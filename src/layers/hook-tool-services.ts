import * as Layer from "effect/Layer"
import { ActionContext } from "./ActionContext.ts"
import { CharmConfig } from "./CharmConfig.ts"
import { JujuLog } from "./JujuLog.ts"
import { Leadership } from "./Leadership.ts"
import { Relations } from "./Relations.ts"
import { Secrets } from "./Secrets.ts"
import { StatusReporter } from "./StatusReporter.ts"

/**
 * The services that are views over HookTools. The hook and the tests build them alike;
 * tests swap what lies underneath (HookTools, JujuContext, the FileSystem) and the runner.
 */
export const hookToolServices = Layer.mergeAll(
  ActionContext.layer,
  CharmConfig.layer,
  Leadership.layer,
  Relations.layer,
  Secrets.layer,
  StatusReporter.layer,
  JujuLog.layer,
)
