import { execFileSync } from "node:child_process"
import { cpSync } from "node:fs"
import { join } from "node:path"

/** The project's files (tracked, and new ones git does not ignore) copied into `into`, but `leaveOut`. */
export const copyProject = (into: string, leaveOut: ReadonlyArray<string> = []): void => {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
    encoding: "utf8",
  })
  for (const file of files.split("\0")) {
    if (file !== "" && !leaveOut.includes(file)) cpSync(file, join(into, file), { verbatimSymlinks: true })
  }
}
