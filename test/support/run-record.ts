// A run record as the runner (src/runner/) writes it: for the unit tests' fake runner
// and for `npm run bench`, which runs under Node without a bundler (a type import only).
import type { ScriptOption } from "../../src/domain/options.ts"
import type { RunRecord } from "../../src/domain/run-record.ts"

/** A run record as the runner writes it, ended at `ended` (ISO), for `option`. */
export const runRecord = (
  option: ScriptOption,
  ended: string,
  outcome: Partial<RunRecord> = {},
): RunRecord => ({
  version: 1,
  script: option,
  pid: 4242,
  started: ended,
  ended,
  durationMs: 1200,
  exitStatus: 0,
  signal: null,
  timedOut: false,
  timeout: null,
  forwardedSignals: [],
  stoppedLeftovers: 0,
  outputBytes: 0,
  output: "",
  ...outcome,
})
