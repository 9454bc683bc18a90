// expectOk, which every e2e test expecting a hook to succeed uses: when the hook fails, the
// failure shows why (its stderr), not only "expected 1 to equal 0".
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, describe, it } from "vitest"
import { backupRelation, CharmUnit, charmDir, expectOk } from "../support/charm-unit.ts"

const copies: Array<string> = []
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true })
})

const failureOf = (check: () => void): string => {
  try {
    check()
  } catch (error) {
    return (error as Error).message
  }
  return assert.fail("expectOk passed a failed run")
}

describe("expectOk", () => {
  it("passes a run that exited 0, and fails any other with its exit code and stderr in the message", () => {
    expectOk({ code: 0, stderr: "a warning" })
    expectOk({ status: 0, stderr: Buffer.from("") })
    assert.strictEqual(
      failureOf(() => expectOk({ code: 1, stderr: "backup-integrator: hook failed: disk full\n" })),
      "the hook exited 1, stderr:\nbackup-integrator: hook failed: disk full",
    )
    assert.strictEqual(
      failureOf(() => expectOk({ status: null, stderr: "" }, "the runner")),
      "the runner exited on a signal, stderr:\n(empty)",
    )
  })

  it("shows dispatch's line when the charm is built for another architecture (`npm run build -- --arch`)", () => {
    // A copy of the charm whose runtime is said to be for the other architecture, as after
    // `npm run build -- --arch arm64` on an amd64 machine (the runtime itself is linked).
    const charm = mkdtempSync(join(tmpdir(), "backup-integrator-charm-"))
    copies.push(charm)
    for (const entry of ["dispatch", "dist", "metadata.yaml"])
      cpSync(join(charmDir, entry), join(charm, entry), { recursive: true })
    mkdirSync(join(charm, "bin"))
    symlinkSync(join(charmDir, "bin", "node"), join(charm, "bin", "node"))
    const other = process.arch === "arm64" ? "amd64" : "arm64"
    writeFileSync(join(charm, "bin", "node.arch"), `${other}\n`)
    const u = new CharmUnit(
      { config: { fileset: "/srv" }, relations: { "backup:1": backupRelation() } },
      "backup-integrator/0",
      charm,
    )
    try {
      assert.match(
        failureOf(() => expectOk(u.hook("config-changed"))),
        new RegExp(
          `^the hook exited 1, stderr:\\nbackup-integrator: cannot start: the charm is built for ${other}`,
        ),
      )
    } finally {
      u.remove()
    }
  })

  it("is how every e2e and integration test checks that a hook succeeded", () => {
    const bare = ["test/e2e", "test/integration"].flatMap((dir) =>
      readdirSync(dir)
        .filter((name) => name.endsWith(".test.ts"))
        .flatMap((name) =>
          readFileSync(join(dir, name), "utf8")
            .split("\n")
            .flatMap((line, n) =>
              /strictEqual\(.*\.code, 0\b/.test(line) ? [`${dir}/${name}:${n + 1}: ${line.trim()}`] : [],
            ),
        ),
    )
    assert.deepStrictEqual(bare, [], "use expectOk(result), which shows the hook's stderr")
  })
})
