import * as Schema from "effect/Schema"

// The forms of the fields the runner (src/runner/) writes in its run records and its job
// journal: each file's schema holds its fields to these, so that a file that is not the
// runner's cannot put text of its own where the charm shows it.

/** ISO 8601, UTC, to the millisecond, as the runner writes it: `2026-12-01T03:00:00.000Z`. */
export const IsoTime = Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/))

/** A signal by the name Python's signal module gives it: `SIGTERM`. */
export const SignalName = Schema.String.check(Schema.isPattern(/^SIG[A-Z0-9]{1,12}$/))

export const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))

/** An exit status as the kernel reports it. */
export const ExitStatus = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 255 }))
