import * as Schema from "effect/Schema"

/** ISO 8601, UTC, to the millisecond, as the runner writes it: `2026-12-01T03:00:00.000Z`. */
export const IsoTime = Schema.String.check(Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/))
