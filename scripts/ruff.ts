// `npm run check`'s Python linter: Ruff, through its WebAssembly build (the npm registry has no
// other), over the runner and its tests. Prints each finding as path:row:column code message and
// exits 1 if there is one; a file Ruff would format otherwise is a finding too. With --format
// (`npm run format`), it formats the files first.
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { PositionEncoding, Workspace } from "@astral-sh/ruff-wasm-nodejs"

const directories = ["src/runner", "test/runner"]

const workspace = new Workspace(
  {
    "line-length": 120,
    "target-version": "py310", // Ubuntu 22.04's, the lowest base
    lint: {
      select: ["E", "W", "F", "B", "UP", "SIM", "C90", "I", "RUF", "PL"],
      // PLR2004 (a number in a comparison) would name every errno and exit status twice.
      ignore: ["PLR2004"],
      mccabe: { "max-complexity": 10 },
    },
    format: { "quote-style": "double" },
  },
  PositionEncoding.Utf16,
)

interface Finding {
  readonly code: string | null
  readonly message: string
  readonly start_location: { readonly row: number; readonly column: number }
}

let findings = 0
for (const directory of directories)
  for (const name of readdirSync(directory)
    .filter((file) => file.endsWith(".py"))
    .sort()) {
    const path = join(directory, name)
    let source = readFileSync(path, "utf8")
    if (process.argv.includes("--format")) {
      source = workspace.format(source)
      writeFileSync(path, source)
    }
    for (const { code, message, start_location } of workspace.check(source) as Finding[]) {
      console.log(`${path}:${start_location.row}:${start_location.column} ${code ?? ""} ${message}`)
      findings++
    }
    if (workspace.format(source) !== source) {
      console.log(`${path}: not formatted as Ruff formats it (npm run format)`)
      findings++
    }
  }
process.exitCode = findings === 0 ? 0 : 1
