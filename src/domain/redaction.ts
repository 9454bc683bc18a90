/** What stands for a credential value in whatever the charm repeats. */
export const redactionMark = "***"

/**
 * The texts that give a credential value away: the value trimmed (`$(cat file)` drops a final
 * newline; the space around a value tells nothing), and each line of it trimmed (a script may
 * print one line of a key; a file written on Windows ends its lines with `\r`). Never a blank
 * one: it would be found everywhere.
 */
export const secretTexts = (values: Iterable<string>): ReadonlyArray<string> => {
  const texts = new Set<string>()
  for (const value of values) {
    for (const text of [value.trim(), ...value.split("\n").map((line) => line.trim())])
      if (text !== "") texts.add(text)
  }
  return [...texts]
}

/** How much of `text`'s start is the end of `secret` (a value cut by the tail's start): 0 if none. */
const startInside = (text: string, secret: string): number => {
  // The runner's tail is 4 KiB: no cut part of a value is longer. The whole secret (length
  // `secret.length`) and none (0) are left out: an occurrence and nothing, found anyway. So
  // these bounds' mutants survive, equivalent: `Math.max` (it differs only for a text and a
  // value both longer than 4096 characters), `secret.length + 1`, `length >= 0`.
  for (let length = Math.min(secret.length - 1, text.length, 4096); length > 0; length--) {
    if (secret.endsWith(text.slice(0, length))) return length
  }
  return 0
}

/**
 * `text` with every character that belongs to an occurrence of one of `secrets` (as
 * `secretTexts` gives them) hidden, each run of hidden characters shown as one mark: a value
 * inside another, or two that overlap, show no part of either. `cutBefore`: the text is the
 * tail of a longer one, which may have been cut inside a value: a start that is the end of
 * one is hidden too.
 */
export const redact = (
  text: string,
  secrets: ReadonlyArray<string>,
  { cutBefore = false }: { readonly cutBefore?: boolean } = {},
): string => {
  const hidden = new Array<boolean>(text.length).fill(false)
  const hide = (from: number, to: number) => hidden.fill(true, from, to)
  for (const secret of secrets) {
    if (cutBefore) hide(0, startInside(text, secret))
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1))
      hide(at, at + secret.length)
  }
  let shown = ""
  for (let at = 0; at < text.length; at++) {
    if (!hidden[at]) shown += text[at]
    // A run's first character (its last, `hidden[at + 1]`, an equivalent mutant, would do too).
    else if (!hidden[at - 1]) shown += redactionMark
  }
  return shown
}
