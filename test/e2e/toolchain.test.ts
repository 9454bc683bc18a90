// The Node and npm a developer needs, as package.json's devEngines states them, checked for
// real: `npm ci` with exactly the lowest of each installs the project (the pinned Node 24
// runtime linked as node_modules/.bin/node, which runs everything after), and the build and a
// test suite run; one step below either is refused by npm before it installs anything.
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, describe, it } from "vitest"
import { architectures, hostArchitecture } from "../../scripts/charm-layout.ts"
import { networkEnv } from "../support/network-env.ts"
import { copyProject } from "../support/project-copy.ts"

const root = mkdtempSync(join(tmpdir(), "toolchain-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const { devEngines } = JSON.parse(readFileSync("package.json", "utf8"))
const lowest = (engine: { version: string }) => /^>=(\d+\.\d+\.\d+)$/.exec(engine.version)?.[1] as string
const lowestNode = lowest(devEngines.runtime)
const lowestNpm = lowest(devEngines.packageManager)
/** The release just below a version, of those a test can name without asking the registry. */
const below: Record<string, string> = { "20.19.0": "20.18.3", "11.6.2": "11.6.1" }

/** A package's files, fetched from the npm registry (npm checks its integrity). */
const fetched = (spec: string) => {
  const dir = join(root, spec)
  if (!existsSync(dir)) {
    mkdirSync(dir)
    const tarball = execFileSync("npm", ["pack", spec, "--silent", "--pack-destination", dir], {
      encoding: "utf8",
    })
    execFileSync("tar", ["-xzf", join(dir, tarball.trim()), "-C", dir, "--strip-components=1"])
  }
  return dir
}

/** `npm ci` with the given Node and npm, in a copy of the project's tracked files. */
const install = (node: string, npm: string) => {
  const project = mkdtempSync(join(root, "project-"))
  copyProject(project)
  const nodeBin = join(fetched(`node-linux-${architectures[hostArchitecture()]}@${node}`), "bin")
  const npmCli = join(fetched(`npm@${npm}`), "bin", "npm-cli.js")
  const env = {
    ...networkEnv(),
    PATH: `${nodeBin}:/usr/bin:/bin`,
    HOME: process.env.HOME ?? "/root",
    NO_COLOR: "1",
  }
  const ci = spawnSync(join(nodeBin, "node"), [npmCli, "ci"], { cwd: project, env, encoding: "utf8" })
  return {
    project,
    ci,
    run: (...args: Array<string>) =>
      spawnSync(join(nodeBin, "node"), [npmCli, ...args], { cwd: project, env, encoding: "utf8" }),
  }
}

describe(`devEngines: Node >= ${lowestNode}, npm >= ${lowestNpm}`, () => {
  it("the lowest of both installs the project, and its build and tests run on the pinned Node 24", {
    timeout: 600_000,
  }, () => {
    const { project, ci, run } = install(lowestNode, lowestNpm)
    assert.strictEqual(ci.status, 0, ci.stderr)
    assert.strictEqual(ci.stderr, "", "npm ci printed warnings")
    assert.strictEqual(
      spawnSync(join(project, "node_modules/.bin/node"), ["--version"], { encoding: "utf8" }).stdout.trim(),
      `v${JSON.parse(readFileSync("package.json", "utf8")).optionalDependencies[`node-linux-${architectures[hostArchitecture()]}`]}`,
    )
    const build = run("run", "build")
    assert.strictEqual(build.status, 0, build.stderr)
    const suite = run("exec", "--", "vitest", "run", "test/unit/fileset.test.ts")
    assert.strictEqual(suite.status, 0, `${suite.stdout}${suite.stderr}`)
    assert.match(suite.stdout, /Tests\s+\d+ passed/)
  })

  it("an npm below it is refused before anything is installed, saying why", { timeout: 300_000 }, () => {
    const { project, ci } = install(lowestNode, below[lowestNpm] as string)
    assert.notStrictEqual(ci.status, 0)
    assert.include(
      ci.stderr,
      `Invalid semver version ">=${lowestNpm}" does not match "${below[lowestNpm]}" for "packageManager"`,
    )
    assert.isFalse(existsSync(join(project, "node_modules")))
  })

  it("a Node below it is refused before anything is installed, saying why", { timeout: 300_000 }, () => {
    const { project, ci } = install(below[lowestNode] as string, lowestNpm)
    assert.notStrictEqual(ci.status, 0)
    assert.include(
      ci.stderr,
      `Invalid semver version ">=${lowestNode}" does not match "v${below[lowestNode]}" for "runtime"`,
    )
    assert.isFalse(existsSync(join(project, "node_modules")))
  })
})
