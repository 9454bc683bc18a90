// src/layers/no-follow-descriptors.ts on a real disk: what the charm changes or reads through a descriptor
// is what it checked, whatever sits at the path.
import { spawnSync } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, describe, it } from "vitest"
import { claimDirectory, readTrustedFile } from "../../src/layers/no-follow-descriptors.ts"

const dir = mkdtempSync(join(tmpdir(), "backup-integrator-descriptors-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const uid = process.getuid?.() ?? 0
const gid = process.getgid?.() ?? 0
const code = (f: () => unknown) => {
  try {
    f()
    return "none"
  } catch (error) {
    return (error as NodeJS.ErrnoException).code
  }
}

describe("claimDirectory", () => {
  it("changes the directory's mode (and owner) on its descriptor; refuses a link or a file, changing nothing", () => {
    const claimed = join(dir, "claimed")
    mkdirSync(claimed)
    chmodSync(claimed, 0o777)
    claimDirectory(claimed, { uid, gid, mode: 0o700 })
    assert.strictEqual(statSync(claimed).mode & 0o7777, 0o700)

    const target = join(dir, "target")
    writeFileSync(target, "precious")
    chmodSync(target, 0o600)
    symlinkSync(target, join(dir, "link"))
    // O_DIRECTORY|O_NOFOLLOW: Linux answers ENOTDIR for a link.
    assert.strictEqual(
      code(() => claimDirectory(join(dir, "link"), { uid, gid, mode: 0o755 })),
      "ENOTDIR",
    )
    assert.strictEqual(
      code(() => claimDirectory(target, { uid, gid, mode: 0o755 })),
      "ENOTDIR",
    )
    assert.strictEqual(statSync(target).mode & 0o7777, 0o600)
  })
})

describe("readTrustedFile", () => {
  it("reads a regular file of this user's that no one else may write, up to the limit", () => {
    const record = join(dir, "record")
    writeFileSync(record, "{}", { mode: 0o600 })
    assert.strictEqual(new TextDecoder().decode(readTrustedFile(record, 64)), "{}")
    assert.isUndefined(readTrustedFile(record, 1), "larger than the limit")
    chmodSync(record, 0o622)
    assert.isUndefined(readTrustedFile(record, 64), "others may write it")
  })

  it("passes over a missing path, a link, a directory and a FIFO, at once", () => {
    const fifo = join(dir, "fifo")
    assert.strictEqual(spawnSync("mkfifo", ["-m", "600", fifo]).status, 0)
    symlinkSync(join(dir, "record"), join(dir, "record-link"))
    for (const path of [join(dir, "missing"), join(dir, "record-link"), dir, fifo])
      assert.isUndefined(readTrustedFile(path, 64), path)
  })
})
