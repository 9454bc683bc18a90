// Values of a schema, for tests that must hold for every member of a union: a member added to
// the union is sampled too, with no list in the test to extend.
import * as Arbitrary from "effect/Arbitrary"
import * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"

/** `count` values of `schema`, the same ones each run. */
export const sample = <S extends Schema.Top>(schema: S, count: number): ReadonlyArray<S["Type"]> =>
  Effect.runSync(Arbitrary.sampleEffect(Arbitrary.schema(schema), { count, seed: 24 }))

/** The members of a union schema, unions within it flattened. */
export const members = (schema: Schema.Top): ReadonlyArray<Schema.Top> =>
  "members" in schema ? (schema.members as ReadonlyArray<Schema.Top>).flatMap(members) : [schema]
