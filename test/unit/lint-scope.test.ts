// The lint step of `npm test` speaks only of the project's own files: what is fetched or built
// into build/ (Debian's Prometheus holds broken symbolic links) is not walked.
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs"
import { join } from "node:path"
import { assert, it } from "vitest"

it("biome check walks nothing under build/: a broken link there draws no warning", () => {
  mkdirSync("build", { recursive: true })
  const dir = mkdtempSync(join("build", "lint-scope-"))
  try {
    symlinkSync("/nonexistent/target", join(dir, "broken"))
    const result = spawnSync("node_modules/.bin/biome", ["check", "--max-diagnostics=none", "."], {
      encoding: "utf8",
    })
    const output = `${result.stdout}${result.stderr}`
    // Biome ran and walked the project: silence alone would also be an empty output.
    assert.isUndefined(result.error)
    assert.match(output, /Checked \d+ files?/)
    assert.notInclude(output, dir)
    assert.notInclude(output, "symlink")
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
