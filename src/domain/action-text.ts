import { redact } from "./redaction.ts"

/**
 * Control characters but newline and tab (C0, DEL, C1). NUL cannot be put on a command line at
 * all (`action-set` would not even start), and the others act on the terminal that shows the
 * results (ESC, CR, BEL).
 */
const controlChars = /(?![\n\t])\p{Cc}/gu

/** Control characters but newline and tab escaped, as `\u001b`: shown, never acted on. */
export const escapeControls = (text: string): string =>
  text.replace(controlChars, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`)

/** The most of a run's output an action result shows: what the runner keeps of it. */
const maxOutputChars = 4096

/**
 * A run's output as an action result shows it: the credential values (`secrets`, from
 * `secretTexts`) hidden, the last 4096 characters, control characters escaped. `cutBefore`:
 * the output is the tail of a longer one (src/domain/redaction.ts). Hidden again after the
 * escaping, which could make a value out of what was not one.
 */
export const shownOutput = (
  output: string,
  secrets: ReadonlyArray<string>,
  { cutBefore }: { readonly cutBefore: boolean },
): string => {
  const hidden = [...redact(output, secrets, { cutBefore })]
  return redact(escapeControls(hidden.slice(-maxOutputChars).join("")), secrets)
}
