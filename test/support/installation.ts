import type { Installation } from "../../src/layers/ScriptStore.ts"

/** An installation with no script, no limit, no credentials and no metrics, but what `change` sets. */
export const installation = (change: Partial<Installation> = {}): Installation => ({
  scripts: [],
  timeout: undefined,
  credentials: { _tag: "None" },
  metricsDirectories: [],
  backupMaxAge: undefined,
  ...change,
})
