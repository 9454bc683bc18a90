// Juju's check before it runs an action (`juju run <unit> <action> key=value…`): the charm
// must declare the action, and the parameters must fit its schema. The e2e tests' CharmUnit
// and `npm run simulate` both refuse what Juju refuses, with Juju's words.
import { Ajv } from "ajv"

/** An action as actions.yaml (or charmcraft.yaml's `actions`) declares it. */
export interface DeclaredAction {
  readonly description?: string
  readonly params?: Record<
    string,
    { readonly type?: string; readonly description?: string; readonly enum?: ReadonlyArray<unknown> }
  >
  readonly required?: ReadonlyArray<string>
  readonly additionalProperties?: boolean
}

/** Why Juju would refuse to run `name` with `params` on `unitName`, or undefined. */
export const actionRefusal = (
  declared: Readonly<Record<string, DeclaredAction>> | undefined,
  unitName: string,
  name: string,
  params: Readonly<Record<string, unknown>>,
): string | undefined => {
  const action = declared?.[name]
  if (action === undefined) return `ERROR action "${name}" not defined on unit "${unitName}"`
  const validate = new Ajv({ strict: false }).compile({
    type: "object",
    properties: action.params ?? {},
    required: action.required ?? [],
    additionalProperties: action.additionalProperties ?? true,
  })
  return validate(params)
    ? undefined
    : `ERROR validation failed: ${validate.errors
        ?.map(
          (error) =>
            `${error.instancePath || "(root)"} ${error.message}${"allowedValues" in error.params ? `: ${(error.params.allowedValues as Array<string>).join(", ")}` : ""}`,
        )
        .join("; ")}`
}
