import * as Layer from "effect/Layer"
import { InstalledCredentials } from "./InstalledCredentials.ts"
import { JobJournals } from "./JobJournals.ts"
import { RunRecords } from "./RunRecords.ts"
import { ScriptStore } from "./ScriptStore.ts"
import { UnitRecords } from "./UnitRecords.ts"

/**
 * The services over the machine's disk (Effect's FileSystem and JujuContext underneath): the
 * hook gives them NodeFileSystem, the unit tests an in-memory one.
 */
export const diskServices = Layer.mergeAll(
  ScriptStore.layer,
  RunRecords.layer,
  UnitRecords.layer,
  InstalledCredentials.layer,
  JobJournals.layer,
)
