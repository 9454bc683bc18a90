// The command line of every script npm runs (build, pack, bench, simulate): flags declared
// once with their help, `--help` that explains each, and a bad flag or value answered with
// one line naming it, the usage line and exit status 2, never a stack trace.
import { parseArgs } from "node:util"

/** A command-line mistake: shown as one line and the usage, exit status 2. */
export class UsageError extends Error {}

interface Flag {
  /** A boolean flag takes no value; a string flag takes the next argument, even `-1`. */
  readonly type: "boolean" | "string"
  /** May be given more than once. */
  readonly multiple?: boolean
  /** How the value is shown in the usage (`NAME`, `KEY=VALUE`). */
  readonly value?: string
  readonly help: string
}

export interface Command {
  /** How it is run: `npm run simulate --`. */
  readonly run: string
  readonly summary: string
  readonly flags: Readonly<Record<string, Flag>>
  /** Takes arguments that are not flags, which it places itself (an action's parameters); none otherwise. */
  readonly takesArguments?: boolean
  readonly examples: ReadonlyArray<string>
  /** Further paragraphs of `--help`. */
  readonly notes?: ReadonlyArray<string>
}

/** One argument, in command-line order: a flag with its value, or an argument that is not a flag. */
export type Argument =
  | { readonly flag: string; readonly value: string | undefined }
  | { readonly positional: string }

const synopsis = (command: Command) =>
  [
    command.run,
    ...Object.entries(command.flags).map(
      ([name, flag]) =>
        `[--${name}${flag.type === "string" ? ` ${flag.value ?? "VALUE"}` : ""}]${flag.multiple ? "..." : ""}`,
    ),
  ].join(" ")

const usageLine = (command: Command) => `usage: ${synopsis(command)}  (--help explains each flag)`

const helpText = (command: Command): string =>
  [
    `usage: ${synopsis(command)}`,
    "",
    command.summary,
    "",
    "flags:",
    ...Object.entries(command.flags).flatMap(([name, flag]) => [
      `  --${name}${flag.type === "string" ? ` ${flag.value ?? "VALUE"}` : ""}${flag.multiple ? " (repeatable)" : ""}`,
      ...flag.help.split("\n").map((line) => `      ${line}`),
    ]),
    "  --help",
    "      This text.",
    ...(command.notes ?? []).flatMap((note) => ["", note]),
    "",
    "examples:",
    ...command.examples.map((example) => `  ${example}`),
  ].join("\n")

/**
 * The arguments in order, each flag checked against `command`: known, given a value when it
 * takes one and none when it does not, and given once unless repeatable.
 */
const parseCommandLine = (command: Command, args: ReadonlyArray<string>): Array<Argument> => {
  const known: Record<string, Flag> = { ...command.flags, help: { type: "boolean", help: "" } }
  // Not strict: parseArgs' own messages are paragraphs, and it calls `--relations -1` ambiguous.
  // A string flag takes the next argument whatever it starts with, as getopt does.
  const { tokens } = parseArgs({
    args: [...args],
    options: Object.fromEntries(Object.entries(known).map(([name, flag]) => [name, { type: flag.type }])),
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  const seen = new Set<string>()
  const parsed: Array<Argument> = []
  for (const token of tokens) {
    if (token.kind === "option-terminator") continue
    if (token.kind === "positional") {
      if (!command.takesArguments) throw new UsageError(`unexpected argument: ${token.value}`)
      parsed.push({ positional: token.value })
      continue
    }
    const flag = known[token.name]
    if (flag === undefined) throw new UsageError(`unknown flag: ${token.rawName}`)
    if (flag.type === "boolean" && token.value !== undefined)
      throw new UsageError(`${token.rawName} takes no value: ${token.rawName}=${token.value}`)
    if (flag.type === "string" && token.value === undefined)
      throw new UsageError(`${token.rawName} needs a value`)
    if (seen.has(token.name) && !flag.multiple)
      throw new UsageError(`${token.rawName} is given more than once`)
    seen.add(token.name)
    parsed.push({ flag: token.name, value: token.value })
  }
  return parsed
}

/** The value of a flag given at most once, or undefined. */
export const flagValue = (args: ReadonlyArray<Argument>, flag: string): string | undefined =>
  args.flatMap((arg) => ("flag" in arg && arg.flag === flag ? [arg.value] : [])).at(0)

/** Every value of a repeatable flag, in order. */
export const flagValues = (args: ReadonlyArray<Argument>, flag: string): Array<string> =>
  args.flatMap((arg) => ("flag" in arg && arg.flag === flag && arg.value !== undefined ? [arg.value] : []))

export const hasFlag = (args: ReadonlyArray<Argument>, flag: string): boolean =>
  args.some((arg) => "flag" in arg && arg.flag === flag)

/**
 * Runs a script's `main` on its command line: `--help` prints the help and exits 0 before
 * anything else; a UsageError from parsing or from `main` prints one line and the usage, exit 2.
 */
export const runCommand = async (
  command: Command,
  main: (args: ReadonlyArray<Argument>) => void | Promise<void>,
  args: ReadonlyArray<string> = process.argv.slice(2),
): Promise<void> => {
  try {
    const parsed = parseCommandLine(command, args)
    if (hasFlag(parsed, "help")) {
      console.log(helpText(command))
      return
    }
    await main(parsed)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`${error.message}\n${usageLine(command)}\n`)
    process.exitCode = 2
  }
}
