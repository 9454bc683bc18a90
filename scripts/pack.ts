// Zips build/charm/ (made by `npm run build`) into the .charm file Juju deploys.
import { createWriteStream } from "node:fs"
import { readdir, stat } from "node:fs/promises"
import { finished } from "node:stream/promises"
import { ZipFile } from "yazl"
import { base, charmDir, compileCacheDir, jujuArch } from "./charm-layout.ts"

const charmFile = `backup-integrator_${base.name}@${base.channel}-${jujuArch}.charm`
const zip = new ZipFile()
for (const entry of await readdir(charmDir, { recursive: true, withFileTypes: true })) {
  const path = `${entry.parentPath}/${entry.name}`
  if (!entry.isFile() || path.startsWith(`${charmDir}/${compileCacheDir}/`)) continue
  // Keep the mode bits: Juju must find dispatch and the runtime executable.
  zip.addFile(path, path.slice(charmDir.length + 1), { mode: (await stat(path)).mode })
}
zip.end()
await finished(zip.outputStream.pipe(createWriteStream(charmFile)))
console.log(`packed ${charmFile}`)
