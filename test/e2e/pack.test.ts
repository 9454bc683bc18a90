// `npm run pack`: one .charm per architecture, whatever the machine, each with the pinned
// runtime of its architecture, the bases it runs on, and the modes Juju needs; and the
// host's charm run as Juju runs it.
import { execFileSync } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { parse } from "yaml"
import yauzl from "yauzl"
import { architectures, charmFile, hostArchitecture } from "../../scripts/charm-layout.ts"
import { elfArchitecture, glibcNeeded } from "../../scripts/elf.ts"
import { scriptOptions } from "../../src/domain/options.ts"
import { appBag } from "../emulator/state.ts"
import { backupRelation, CharmUnit, expectOk } from "../support/charm-unit.ts"

type Entries = Map<string, { mode: number; data: Buffer }>

const entries = (file: string) =>
  new Promise<Entries>((resolve, reject) => {
    const found: Entries = new Map()
    yauzl.open(file, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error)
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (err, stream) => {
          if (err) return reject(err)
          const chunks: Array<Buffer> = []
          stream.on("data", (chunk: Buffer) => chunks.push(chunk))
          stream.on("end", () => {
            found.set(entry.fileName, {
              mode: (entry.externalFileAttributes >>> 16) & 0o7777,
              data: Buffer.concat(chunks),
            })
            zip.readEntry()
          })
        })
      })
      zip.on("end", () => resolve(found))
      zip.readEntry()
    })
  })

const charmcraft = parse(readFileSync("charmcraft.yaml", "utf8"))
const charms = new Map<string, Entries>()
const work = mkdtempSync(join(tmpdir(), "pack-test-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

beforeAll(async () => {
  execFileSync(process.execPath, ["scripts/pack.ts"], { stdio: "pipe" })
  for (const architecture of Object.keys(architectures)) {
    charms.set(architecture, await entries(charmFile(architecture as keyof typeof architectures)))
  }
}, 300_000)

describe("npm run pack", () => {
  for (const architecture of Object.keys(architectures)) {
    describe(`the ${architecture} charm`, () => {
      const files = () => charms.get(architecture) as Entries
      const text = (name: string) => files().get(name)?.data.toString("utf8") ?? ""

      it("holds what Juju runs, with the modes it needs", () => {
        assert.deepStrictEqual([...files().keys()].sort(), [
          "actions.yaml",
          "bin/node",
          "bin/node.arch",
          "config.yaml",
          "dispatch",
          "dist/hook.cjs",
          "dist/program.cjs",
          "manifest.yaml",
          "metadata.yaml",
        ])
        assert.strictEqual(files().get("dispatch")?.mode, 0o755)
        assert.strictEqual(files().get("bin/node")?.mode, 0o755)
        assert.strictEqual(files().get("dist/hook.cjs")?.mode, 0o644)
      })

      it("its bin/node is the pinned Node 24 for that machine, stripped, needing glibc 2.28", () => {
        const node = files().get("bin/node")?.data as Buffer
        assert.strictEqual(elfArchitecture(node), architecture)
        assert.strictEqual(text("bin/node.arch"), `${architecture}\n`)
        assert.strictEqual(glibcNeeded(node), "2.28")
        // binutils' own reading of the file, as a check on the charm's ELF strip.
        const file = join(work, `node-${architecture}`)
        writeFileSync(file, node)
        const readelf = execFileSync("readelf", ["-S", "-W", file], { encoding: "utf8" })
        assert.match(readelf, /\.text /)
        assert.notMatch(readelf, /\.symtab|\.debug_/)
        assert.isBelow(node.length, 110_000_000)
      })

      it("its manifest lists every base of charmcraft.yaml for it, and metadata is as charmcraft writes it", () => {
        assert.deepStrictEqual(parse(text("manifest.yaml")), {
          bases: [
            { name: "ubuntu", channel: "22.04", architectures: [architecture] },
            { name: "ubuntu", channel: "24.04", architectures: [architecture] },
          ],
        })
        const metadata = parse(text("metadata.yaml"))
        assert.strictEqual(metadata["display-name"], charmcraft.title)
        assert.notProperty(metadata, "title")
        for (const key of ["name", "summary", "description", "subordinate", "requires"]) {
          assert.deepStrictEqual(metadata[key], charmcraft[key], key)
        }
        assert.deepStrictEqual(parse(text("config.yaml")), charmcraft.config)
      })
    })
  }

  it("the host's charm, unzipped, runs a hook as Juju runs it", () => {
    const charm = join(work, "charm")
    for (const [name, { mode, data }] of charms.get(hostArchitecture()) as Entries) {
      mkdirSync(dirname(join(charm, name)), { recursive: true })
      writeFileSync(join(charm, name), data)
      chmodSync(join(charm, name), mode)
    }
    const u = new CharmUnit(
      { config: { fileset: "/srv/data" }, relations: { "backup:1": backupRelation() } },
      "backup-integrator/0",
      charm,
    )
    try {
      const result = u.hook("install")
      expectOk(result)
      assert.deepStrictEqual(result.state.status, { status: "active", message: "no backup yet" })
      assert.deepStrictEqual(appBag(result.state, "backup:1"), {
        fileset: "/srv/data",
        ...Object.fromEntries(scriptOptions.map((option) => [option, u.runnerPath(option)])),
      })
    } finally {
      u.remove()
    }
  })
})
