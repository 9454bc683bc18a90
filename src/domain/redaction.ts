/** What stands for a credential value in whatever the charm repeats. */
export const redactionMark = "***"

/**
 * The texts that give a credential value away: the value trimmed (`$(cat file)` drops a final
 * newline; the space around a value tells nothing), and each line of it trimmed (a script may
 * print one line of a key). The longest first, so that a longer one is hidden whole rather
 * than around a shorter one.
 */
export const secretTexts = (values: Iterable<string>): ReadonlyArray<string> => {
  const texts = new Set<string>()
  for (const value of values) {
    for (const text of [value.trim(), ...value.split("\n").map((line) => line.trim())])
      if (text !== "") texts.add(text)
  }
  return [...texts].sort((a, b) => b.length - a.length)
}

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** How much of `text`'s start is the end of `secret` (a value cut by the tail's start): 0 if none. */
const startInside = (text: string, secret: string): number => {
  // The runner's tail is 4 KiB: no cut part of a value is longer.
  for (let length = Math.min(secret.length - 1, text.length, 4096); length > 0; length--) {
    if (secret.endsWith(text.slice(0, length))) return length
  }
  return 0
}

/**
 * `text` with every occurrence of each of `secrets` (as `secretTexts` gives them) replaced by
 * the mark, in one pass. `cutBefore`: the text is the tail of a longer one, which may have been
 * cut inside a value: a start that is the end of one is hidden too.
 */
export const redact = (
  text: string,
  secrets: ReadonlyArray<string>,
  { cutBefore = false }: { readonly cutBefore?: boolean } = {},
): string => {
  if (secrets.length === 0) return text
  const cut = cutBefore ? Math.max(...secrets.map((secret) => startInside(text, secret))) : 0
  const rest = text.slice(cut).replace(new RegExp(secrets.map(literal).join("|"), "g"), redactionMark)
  return cut === 0 ? rest : `${redactionMark}${rest}`
}
