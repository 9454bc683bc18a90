import type { Installation } from "../../src/layers/ScriptStore.ts"

/** An installation with no script, no limit, no credentials, no metrics and no fileset, but what `change` sets. */
export const installation = (change: Partial<Installation> = {}): Installation => ({
  scripts: [],
  timeout: undefined,
  credentials: { _tag: "None" },
  metricsDirectories: [],
  backupMaxAge: undefined,
  fileset: [],
  ...change,
})
