/**
 * Characters that do not show as themselves: control, format (zero-width space, soft hyphen,
 * BOM, bidirectional controls, and ZWNJ/ZWJ too, which are invisible on their own), every
 * space but U+0020, unpaired surrogates, and the other default-ignorable characters that are
 * not combining marks (Hangul fillers). Marks stay: they belong to the letter before them.
 */
export const hiddenChar =
  /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]|(?! )\p{Zs}|(?!\p{M})\p{Default_Ignorable_Code_Point}/u

const hiddenChars = new RegExp(hiddenChar.source, "gu")

const escaped = (char: string) =>
  [...Array(char.length).keys()].map((i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, "0")}`).join("")

/** A string with every hidden character escaped (`\u200b`), and the rest as it is. */
export const hiddenEscaped = (value: string): string => value.replace(hiddenChars, escaped)

const hiddenCharsBesideLines = new RegExp(`(?![\\n\\t])(?:${hiddenChar.source})`, "gu")

/**
 * Text of many lines (a script's output, an action result) escaped as `hiddenEscaped` does,
 * newline and tab kept: they show as what they are, and the output keeps its shape.
 */
export const linesEscaped = (text: string): string => text.replace(hiddenCharsBesideLines, escaped)

/**
 * A string as a JSON string literal that shows what it holds: every letter, of any script,
 * as itself, and every hidden character escaped (`\u200b`), so that operator input cannot
 * act on the display (a newline, a bidirectional override) or hide in it.
 */
export const displayJson = (value: string): string => hiddenEscaped(JSON.stringify(value))
