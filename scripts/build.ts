// Builds the unpacked charm in build/charm/: the layout Juju runs (and charmcraft packs).
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises"
import { build } from "esbuild"
import { parse, stringify } from "yaml"
import { base, charmDir, jujuArch } from "./charm-layout.ts"

const charmcraft = parse(await readFile("charmcraft.yaml", "utf8"))

await rm(charmDir, { recursive: true, force: true })
await mkdir(`${charmDir}/bin`, { recursive: true })

// Two CommonJS files: the entry (src/hook.ts), and the program it loads with V8's code cache
// (src/code-cache.ts), which has to be a script for that, run inside a function.
const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node24",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
} as const
await build({ ...common, entryPoints: ["src/hook.ts"], outfile: `${charmDir}/dist/hook.cjs` })
await build({ ...common, entryPoints: ["src/main.ts"], outfile: `${charmDir}/dist/program.cjs` })

// What charmcraft writes from charmcraft.yaml: metadata, config, and the manifest's bases.
const metadataKeys = [
  "name",
  "title",
  "summary",
  "description",
  "subordinate",
  "requires",
  "provides",
  "peers",
]
const metadata = Object.fromEntries(
  metadataKeys.filter((key) => key in charmcraft).map((key) => [key, charmcraft[key]]),
)
await writeFile(`${charmDir}/metadata.yaml`, stringify(metadata, { lineWidth: 0 }))
await writeFile(`${charmDir}/config.yaml`, stringify(charmcraft.config, { lineWidth: 0 }))
await writeFile(
  `${charmDir}/manifest.yaml`,
  stringify({ "charmcraft-version": "npm run pack", bases: [{ ...base, architectures: [jujuArch] }] }),
)

await copyFile("dispatch", `${charmDir}/dispatch`)
await chmod(`${charmDir}/dispatch`, 0o755)
// The runtime of the npm `node` package pinned in package.json, for this architecture.
await copyFile("node_modules/node/bin/node", `${charmDir}/bin/node`)
await chmod(`${charmDir}/bin/node`, 0o755)
