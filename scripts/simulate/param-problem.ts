// What is wrong with an action's parameters, in one plain line for the person at the command
// line: a missing, unknown or out-of-range parameter named with what it takes. Juju's own
// words (the emulator's, test/emulator/action-params.ts) stay for anything else.
import type { DeclaredAction } from "../../test/emulator/action-params.ts"

const valuesOf = (spec: { readonly enum?: ReadonlyArray<unknown> } | undefined) =>
  spec?.enum?.map(String).join(", ")

/** The first problem of `params` against the declaration of the action `name`, or undefined. */
export const paramProblem = (
  name: string,
  action: DeclaredAction,
  params: Readonly<Record<string, unknown>>,
): string | undefined => {
  const declared = action.params ?? {}
  const known = Object.keys(declared)
  const unknown = Object.keys(params).filter((key) => !known.includes(key))
  if (unknown.length > 0 && action.additionalProperties === false)
    return `takes ${known.length ? `only ${known.join(", ")}` : "no parameter"}, not ${unknown.join(", ")}`
  for (const key of action.required ?? []) {
    if (key in params) continue
    const values = valuesOf(declared[key])
    const example = declared[key]?.enum?.[0] ?? "VALUE"
    return `needs ${key}=${values ? `<one of ${values}>` : "VALUE"}, e.g. --action ${name} ${key}=${example}`
  }
  for (const [key, value] of Object.entries(params)) {
    const allowed = declared[key]?.enum
    if (allowed !== undefined && !allowed.includes(value))
      return `${key} must be one of ${valuesOf(declared[key])}, not ${String(value)}`
  }
  return undefined
}
