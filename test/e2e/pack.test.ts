// `npm run pack`: the zip holds build/charm/ with its modes, and YAML made from charmcraft.yaml.
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { assert, describe, it } from "vitest"
import { parse } from "yaml"
import yauzl from "yauzl"

const charmFile = `backup-integrator_ubuntu@24.04-${process.arch === "arm64" ? "arm64" : "amd64"}.charm`

const entries = (file: string) =>
  new Promise<Map<string, { mode: number; data: Buffer }>>((resolve, reject) => {
    const found = new Map<string, { mode: number; data: Buffer }>()
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error)
      zip.on("entry", (entry: yauzl.Entry) => {
        const mode = (entry.externalFileAttributes >>> 16) & 0o7777
        if (entry.fileName === "bin/node") {
          found.set(entry.fileName, { mode, data: Buffer.alloc(0) })
          return zip.readEntry()
        }
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err)
          const chunks: Array<Buffer> = []
          stream.on("data", (chunk: Buffer) => chunks.push(chunk))
          stream.on("end", () => {
            found.set(entry.fileName, { mode, data: Buffer.concat(chunks) })
            zip.readEntry()
          })
        })
      })
      zip.on("end", () => resolve(found))
      zip.readEntry()
    })
  })

describe("npm run pack", () => {
  it("zips the charm Juju deploys", { timeout: 120_000 }, async () => {
    execFileSync(process.execPath, ["scripts/pack.ts"], { stdio: "pipe" })
    const files = await entries(charmFile)
    assert.deepStrictEqual([...files.keys()].sort(), [
      "bin/node",
      "config.yaml",
      "dispatch",
      "dist/hook.cjs",
      "dist/program.cjs",
      "manifest.yaml",
      "metadata.yaml",
    ])
    assert.strictEqual(files.get("dispatch")?.mode, 0o755)
    assert.strictEqual(files.get("bin/node")?.mode, 0o755)

    const charmcraft = parse(readFileSync("charmcraft.yaml", "utf8"))
    const text = (name: string) => files.get(name)?.data.toString("utf8") ?? ""
    const metadata = parse(text("metadata.yaml"))
    for (const key of ["name", "summary", "description", "subordinate", "requires"]) {
      assert.deepStrictEqual(metadata[key], charmcraft[key], key)
    }
    assert.deepStrictEqual(parse(text("config.yaml")), charmcraft.config)
    assert.deepStrictEqual(parse(text("manifest.yaml")).bases, [
      { name: "ubuntu", channel: "24.04", architectures: [process.arch === "arm64" ? "arm64" : "amd64"] },
    ])
  })
})
