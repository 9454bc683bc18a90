/**
 * A string as a JSON string literal with every character outside printable ASCII escaped,
 * as Python's `json.dumps` writes it (and DEL too): control, zero-width and bidirectional
 * characters in operator input then show as `\uXXXX` instead of acting on the display.
 */
export const jsonAscii = (value: string): string =>
  JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  )
