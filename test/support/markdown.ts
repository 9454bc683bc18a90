// Markdown as GitHub renders it, as far as the docs test needs: the prose (code left out),
// the anchors of the headings, the links, and the tables under a heading.

/** The lines that are not code: fenced blocks and indented blocks (after a blank line) go. */
const proseLines = (markdown: string): Array<string> => {
  const prose: Array<string> = []
  let fenced = false
  let indented = false
  let previousBlank = true
  for (const line of markdown.split("\n")) {
    const blank = line.trim() === ""
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced
    else if (!fenced) {
      indented = /^( {4}|\t)/.test(line) && (indented || previousBlank)
      if (!indented || blank) prose.push(line)
    }
    previousBlank = blank
  }
  return prose
}

/** Text with its code spans removed, which GitHub shows as they are (never as links). */
const withoutCodeSpans = (text: string) => text.replace(/(`+)[^`]*?\1/g, "")

/**
 * A heading's anchor as GitHub makes it (github-slugger): the text without markup,
 * lowercased, every character but letters, marks, digits, `_`, `-` and space dropped, spaces
 * as `-`; a repeated one gets `-1`, `-2`, ….
 */
export const headingAnchors = (markdown: string): Set<string> => {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const text = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/<[^>]+>/g, "")
      .replace(/[*~`]/g, "")
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
      .replace(/ /g, "-")
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    anchors.add(count === 0 ? base : `${base}-${count}`)
  }
  return anchors
}

/** The targets of the inline links and images of the prose, as written. */
export const linkTargets = (markdown: string): Array<string> =>
  proseLines(markdown).flatMap((line) =>
    [...withoutCodeSpans(line).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map(
      ([, target]) => target as string,
    ),
  )

/** The cells of a table row, split at each `|` that is not escaped. */
const cells = (row: string): Array<string> =>
  row
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim())

/**
 * The rows of the first table after the heading `title` (its header and delimiter rows left
 * out), as cells. The table ends at its first line that is not a row: a table split by a
 * blank line is two tables on GitHub, and its second part is not returned.
 */
export const tableUnder = (markdown: string, title: string): Array<Array<string>> => {
  const lines = proseLines(markdown)
  const start = lines.findIndex(
    (line) => /^#{1,6}\s/.test(line) && line.replace(/^#+\s+/, "").trim() === title,
  )
  if (start === -1) throw new Error(`no heading "${title}"`)
  const first = lines.findIndex((line, i) => i > start && line.trimStart().startsWith("|"))
  if (first === -1 || lines.slice(start + 1, first).some((line) => /^#{1,6}\s/.test(line)))
    throw new Error(`no table under "${title}"`)
  const rows: Array<Array<string>> = []
  for (let i = first + 2; i < lines.length && (lines[i] as string).trimStart().startsWith("|"); i++)
    rows.push(cells(lines[i] as string))
  return rows
}

/** The section under the heading `title`, up to the next heading of its level or above. */
export const sectionUnder = (markdown: string, title: string): string => {
  const lines = markdown.split("\n")
  const start = lines.findIndex(
    (line) => /^#{1,6}\s/.test(line) && line.replace(/^#+\s+/, "").trim() === title,
  )
  if (start === -1) throw new Error(`no heading "${title}"`)
  const level = /^#+/.exec(lines[start] as string)?.[0].length ?? 1
  const end = lines.findIndex((line, i) => i > start && new RegExp(`^#{1,${level}}\\s`).test(line))
  return lines.slice(start + 1, end === -1 ? undefined : end).join("\n")
}

/** The text of the code spans of a cell: `` `a` or `b` `` gives a and b. */
export const codeSpans = (cell: string): Array<string> =>
  [...cell.matchAll(/(`+)(.*?)\1/g)].map(([, , code]) => (code as string).trim())
