import { linesEscaped } from "./display-json.ts"
import { redact } from "./redaction.ts"

/** The most of a run's output an action result shows: what the runner keeps of it. */
const maxOutputChars = 4096

/**
 * A run's output as an action result shows it: the credential values (`secrets`, from
 * `secretTexts`) hidden, the last 4096 characters, hidden characters escaped as the status
 * escapes them (src/domain/display-json.ts; newline and tab kept). `cutBefore`:
 * the output is the tail of a longer one (src/domain/redaction.ts). Hidden again after the
 * escaping, which could make a value out of what was not one.
 */
export const shownOutput = (
  output: string,
  secrets: ReadonlyArray<string>,
  { cutBefore }: { readonly cutBefore: boolean },
): string => {
  const hidden = [...redact(output, secrets, { cutBefore })]
  return redact(linesEscaped(hidden.slice(-maxOutputChars).join("")), secrets)
}
