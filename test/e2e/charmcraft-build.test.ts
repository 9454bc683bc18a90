// charmcraft's build of the `charm` part, replayed as craft-parts runs it: the override-build
// script of charmcraft.yaml, run with `bash -e` in the part's build directory (a copy of the
// project, without charmcraft.yaml, which charmcraft keeps out of it), with craft-parts'
// environment and no Node or npm on PATH, as in charmcraft's build environment. What it
// installs must be what `npm run build` lays out, but for the YAML files charmcraft writes.
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, assert, describe, it } from "vitest"
import { parse } from "yaml"
import { charmDir, compileCacheDir, hostArchitecture } from "../../scripts/charm-layout.ts"
import { networkEnv } from "../support/network-env.ts"
import { copyProject } from "../support/project-copy.ts"

const root = mkdtempSync(join(tmpdir(), "craft-parts-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** Every file below `dir`: its mode and a hash of its content. */
const tree = (dir: string) => {
  const files: Record<string, string> = {}
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    const mode = (statSync(path).mode & 0o7777).toString(8)
    files[path.slice(dir.length + 1)] =
      `${mode} ${createHash("sha256").update(readFileSync(path)).digest("hex")}`
  }
  return files
}

/** A PATH with every tool of the machine but Node's, as a build environment without Node has. */
const pathWithoutNode = () => {
  const bin = join(root, "path")
  mkdirSync(bin)
  for (const dir of ["/usr/local/bin", "/usr/bin", "/bin"]) {
    for (const name of readdirSync(dir)) {
      if (["node", "nodejs", "npm", "npx", "corepack"].includes(name)) continue
      try {
        symlinkSync(join(dir, name), join(bin, name))
      } catch {
        // Already linked from a directory earlier on PATH.
      }
    }
  }
  return bin
}

describe("charmcraft's build of the charm part", () => {
  it("builds, in craft-parts' environment, what npm run build lays out", { timeout: 600_000 }, () => {
    const part = join(root, "parts", "charm")
    const [src, build, install] = ["src", "build", "install"].map((d) => join(part, d)) as [
      string,
      string,
      string,
    ]
    for (const dir of [src, build, install, join(root, "stage"), join(root, "prime")])
      mkdirSync(dir, { recursive: true })
    copyProject(build, ["charmcraft.yaml"])

    const architecture = hostArchitecture()
    const triplet = architecture === "arm64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu"
    const script = parse(readFileSync("charmcraft.yaml", "utf8")).parts.charm["override-build"]
    const result = spawnSync("bash", ["-e", "-c", script], {
      cwd: build,
      encoding: "utf8",
      env: {
        ...networkEnv(),
        PATH: pathWithoutNode(),
        HOME: process.env.HOME ?? "/root",
        // The machine's npm cache, to spare the registry: it only speeds up the same downloads.
        npm_config_cache: join(process.env.HOME ?? "/root", ".npm"),
        CRAFT_ARCH_BUILD_ON: architecture,
        CRAFT_ARCH_BUILD_FOR: architecture,
        CRAFT_ARCH_TRIPLET_BUILD_ON: triplet,
        CRAFT_ARCH_TRIPLET_BUILD_FOR: triplet,
        CRAFT_PARALLEL_BUILD_COUNT: "2",
        CRAFT_PROJECT_DIR: resolve("."),
        CRAFT_PROJECT_NAME: "backup-integrator",
        CRAFT_STAGE: join(root, "stage"),
        CRAFT_PRIME: join(root, "prime"),
        CRAFT_PART_NAME: "charm",
        CRAFT_STEP_NAME: "BUILD",
        CRAFT_PART_SRC: src,
        CRAFT_PART_SRC_WORK: src,
        CRAFT_PART_BUILD: build,
        CRAFT_PART_BUILD_WORK: build,
        CRAFT_PART_INSTALL: install,
      },
    })
    assert.strictEqual(result.status, 0, `${result.stdout}\n${result.stderr}`)
    assert.match(result.stdout, /craft-bootstrap: node 24\.\d+\.\d+ and npm 11\.\d+\.\d+/)

    // What hooks of the tests running meanwhile write (the code cache) is never packed either.
    const expected = Object.fromEntries(
      Object.entries(tree(resolve(charmDir))).filter(([name]) => !name.startsWith(`${compileCacheDir}/`)),
    )
    for (const yaml of ["metadata.yaml", "config.yaml", "manifest.yaml", "actions.yaml"])
      delete expected[yaml]
    assert.deepStrictEqual(tree(install), expected)
  })
})
