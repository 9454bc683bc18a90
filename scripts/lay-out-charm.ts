// Lays out the unpacked charm Juju runs (and charmcraft packs) for one architecture.

import { createHash } from "node:crypto"
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { createRequire } from "node:module"
import { basename, dirname, join } from "node:path"
import { build, type Plugin } from "esbuild"
import { parse, stringify } from "yaml"
import { type Architecture, runtimeArchFile } from "./charm-layout.ts"
import { compareVersions, elfArchitecture, glibcNeeded, stripElf } from "./elf.ts"
import { runnerFile } from "./runner-file.ts"
import { runtimeFor } from "./runtime.ts"

/** The glibc of each Ubuntu release a charm may name as a base. */
const ubuntuGlibc: Record<string, string> = {
  "18.04": "2.27",
  "20.04": "2.31",
  "22.04": "2.35",
  "24.04": "2.39",
}

/**
 * The bases of charmcraft.yaml's platforms (`ubuntu@22.04:amd64`) for `architecture` whose
 * glibc the runtime runs on: Juju relates a subordinate only to principals of a base it lists.
 */
export const basesFor = (platforms: Record<string, unknown>, architecture: Architecture, glibc: string) =>
  Object.keys(platforms).flatMap((platform) => {
    const match = /^(ubuntu)@([\d.]+):([a-z0-9]+)$/.exec(platform)
    if (match === null)
      throw new Error(`platform ${platform}: expected <base>:<architecture>, such as ubuntu@24.04:amd64`)
    const [, name, channel, arch] = match as unknown as [string, string, string, string]
    const baseGlibc = ubuntuGlibc[channel]
    if (baseGlibc === undefined) throw new Error(`platform ${platform}: glibc of ubuntu ${channel} unknown`)
    return arch === architecture && compareVersions(baseGlibc, glibc) >= 0
      ? [{ name, channel, architectures: [arch] }]
      : []
  })

/** metadata.yaml as charmcraft writes it from charmcraft.yaml: `title` is `display-name`, links flattened. */
export const metadataOf = (charmcraft: Record<string, unknown>): Record<string, unknown> => {
  const keys = [
    "name",
    "summary",
    "description",
    "assumes",
    "charm-user",
    "containers",
    "devices",
    "extra-bindings",
    "peers",
    "provides",
    "requires",
    "resources",
    "storage",
    "subordinate",
    "terms",
  ]
  const metadata: Record<string, unknown> = Object.fromEntries(
    keys.filter((key) => key in charmcraft).map((key) => [key, charmcraft[key]]),
  )
  if (charmcraft.title !== undefined) metadata["display-name"] = charmcraft.title
  const { documentation, contact, ...links } = (charmcraft.links ?? {}) as Record<string, unknown>
  if (documentation !== undefined) metadata.docs = documentation
  if (contact !== undefined) metadata.maintainers = Array.isArray(contact) ? contact : [contact]
  Object.assign(metadata, links)
  return Object.fromEntries(Object.entries(metadata).sort(([a], [b]) => a.localeCompare(b)))
}

/**
 * Node modules the program's dependencies import but a hook does not use (NodeFileSystem
 * takes node:crypto and node:os for temporary files and directories, which the charm never
 * makes): each becomes a stand-in whose properties require the real module on first use, so
 * that no hook pays for loading them (node:crypto loads Node's streams too, ~10 ms a hook).
 */
const deferredBuiltins = ["node:crypto", "node:os"]

const deferBuiltins: Plugin = {
  name: "defer-builtins",
  setup(builder) {
    const filter = new RegExp(`^(${deferredBuiltins.join("|")})$`)
    builder.onResolve({ filter }, ({ path, namespace }) =>
      namespace === "deferred" ? { path, external: true } : { path, namespace: "deferred" },
    )
    builder.onLoad({ filter: /.*/, namespace: "deferred" }, ({ path }) => {
      // The names the real module exports, as this build's Node (the runtime's) has them.
      const names = Object.keys(createRequire(import.meta.filename)(path))
      const getters = names.map(
        (name) => `${JSON.stringify(name)}: { get: () => load()[${JSON.stringify(name)}], enumerable: true }`,
      )
      return {
        loader: "js",
        contents: `let real; const load = () => (real ??= require(${JSON.stringify(path)}));\nObject.defineProperties(module.exports, { ${getters.join(", ")} });\n`,
      }
    })
  },
}

/** The runner the charm installs on the machine (`import … from "…/runner.pyz"`), as bytes. */
const runnerAsBytes: Plugin = {
  name: "runner-file",
  setup(build) {
    build.onResolve({ filter: /\.pyz$/ }, ({ path, resolveDir }) => ({
      path: join(resolveDir, path),
      namespace: "runner-file",
    }))
    build.onLoad({ filter: /.*/, namespace: "runner-file" }, ({ path }) => ({
      contents: runnerFile(dirname(path)),
      loader: "binary",
    }))
  },
}

/**
 * Bundles `entry` into the CommonJS file `outfile` as a hook runs it: the entry (src/entry/hook.ts)
 * run by Node, or the program it loads through node:vm with V8's code cache (`deferring`: with
 * the deferred built-ins), which has to be a script for that, run inside a function. Fails on
 * what would fail every hook and no type check or unit test: import.meta, which a CommonJS
 * bundle does not have, and a dynamic import(), for which node:vm has no loader. `build` is
 * what src/domain/charm-build.ts says.
 */
export const bundleForHook = async (
  entry: string,
  outfile: string,
  { deferring = false, build: charmBuild }: { readonly deferring?: boolean; readonly build?: string } = {},
) => {
  const { metafile } = await build({
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node24",
    minify: true,
    legalComments: "none",
    logLevel: "silent",
    logOverride: { "empty-import-meta": "error" },
    metafile: true,
    plugins: deferring ? [runnerAsBytes, deferBuiltins] : [runnerAsBytes],
    define: charmBuild === undefined ? {} : { BACKUP_INTEGRATOR_BUILD: JSON.stringify(charmBuild) },
    entryPoints: [entry],
    outfile,
  })
  const dynamic = Object.entries(metafile.inputs).flatMap(([file, { imports }]) =>
    imports.filter(({ kind }) => kind === "dynamic-import").map(({ path }) => `${file} imports ${path}`),
  )
  if (dynamic.length > 0)
    throw new Error(`${outfile}: a dynamic import() cannot run in the hook: ${dynamic.join("; ")}`)
}

/**
 * The program (src/main.ts) as the entry loads it, stamped with its build: a hash of the same
 * bundle unstamped, so that any change to what it does changes it.
 */
export const bundleForProgram = async (outfile: string, entry = "src/main.ts") => {
  await bundleForHook(entry, outfile, { deferring: true })
  const hash = createHash("sha256").update(readFileSync(outfile)).digest("hex").slice(0, 16)
  await bundleForHook(entry, outfile, { deferring: true, build: hash })
}

/** The runtime as the charm carries it: without its debug information and symbol table (cached). */
const strippedRuntime = (architecture: Architecture) => {
  const { node, version } = runtimeFor(architecture)
  const stripped = `build/runtimes/stripped/node-${architecture}-${version}`
  if (!existsSync(stripped)) {
    mkdirSync(dirname(stripped), { recursive: true })
    writeFileSync(`${stripped}.new`, stripElf(readFileSync(node)))
    renameSync(`${stripped}.new`, stripped)
  }
  return stripped
}

/**
 * Makes `dir` the freshly built `built` at once: `dir` is a symbolic link, replaced by a
 * rename, so that a test or a hook running from the build before keeps a whole charm. Builds
 * older than that one are deleted.
 */
const swapIn = (dir: string, built: string) => {
  const before = lstatSync(dir, { throwIfNoEntry: false })
  const previous = before?.isSymbolicLink() ? readlinkSync(dir) : undefined
  if (before !== undefined && previous === undefined) rmSync(dir, { recursive: true, force: true })
  const link = `${dir}.link-${process.pid}`
  rmSync(link, { force: true })
  symlinkSync(basename(built), link)
  renameSync(link, dir)
  for (const name of readdirSync(dirname(dir))) {
    if (name.startsWith(`.${basename(dir)}-`) && name !== basename(built) && name !== previous) {
      rmSync(join(dirname(dir), name), { recursive: true, force: true })
    }
  }
}

/**
 * The charm in `dir` for `architecture`: dispatch, the two bundles, the runtime, and (unless
 * charmcraft writes them, `yaml: false`) metadata.yaml, config.yaml and manifest.yaml.
 */
export const layOutCharm = async (dir: string, architecture: Architecture, { yaml = true } = {}) => {
  mkdirSync(dirname(dir), { recursive: true })
  const built = join(dirname(dir), `.${basename(dir)}-${Date.now().toString(36)}-${process.pid}`)
  mkdirSync(join(built, "bin"), { recursive: true })

  await bundleForHook("src/entry/hook.ts", join(built, "dist/hook.cjs"))
  await bundleForProgram(join(built, "dist/program.cjs"))

  copyFileSync("dispatch", join(built, "dispatch"))
  chmodSync(join(built, "dispatch"), 0o755)
  const stripped = strippedRuntime(architecture)
  const runtime = readFileSync(stripped)
  if (elfArchitecture(runtime) !== architecture)
    throw new Error(`the runtime for ${architecture} is built for ${elfArchitecture(runtime)}`)
  // Copied by the kernel, not written from memory: a file written in one 108 MB write sits in
  // the page cache in large folios, and every process running it counts them whole in its
  // RSS (69 MiB for `node -e 0`, against 41 for the same bytes copied, as an unzip writes them).
  copyFileSync(stripped, join(built, "bin/node"))
  chmodSync(join(built, "bin/node"), 0o755)
  writeFileSync(join(built, runtimeArchFile), `${architecture}\n`)

  if (yaml) {
    // What charmcraft writes from charmcraft.yaml: metadata, config, actions, and the
    // manifest's bases (here every base the runtime runs on, in one charm).
    const charmcraft = parse(readFileSync("charmcraft.yaml", "utf8"))
    const bases = basesFor(charmcraft.platforms ?? {}, architecture, glibcNeeded(runtime))
    if (bases.length === 0)
      throw new Error(`charmcraft.yaml lists no base for ${architecture} that the runtime runs on`)
    writeFileSync(join(built, "metadata.yaml"), stringify(metadataOf(charmcraft), { lineWidth: 0 }))
    writeFileSync(join(built, "config.yaml"), stringify(charmcraft.config, { lineWidth: 0 }))
    if (charmcraft.actions)
      writeFileSync(join(built, "actions.yaml"), stringify(charmcraft.actions, { lineWidth: 0 }))
    writeFileSync(join(built, "manifest.yaml"), stringify({ bases }))
  }
  swapIn(dir, built)
}
