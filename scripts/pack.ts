// `npm run pack`: one .charm per architecture, amd64 and arm64, whatever the machine: each
// lays out the charm with that architecture's pinned runtime and zips it as Juju deploys it.
import { createWriteStream, realpathSync } from "node:fs"
import { readdir, stat } from "node:fs/promises"
import { finished } from "node:stream/promises"
import { ZipFile } from "yazl"
import { type Architecture, architectures, charmFile, compileCacheDir, packDir } from "./charm-layout.ts"
import { type Command, runCommand } from "./command-line.ts"
import { layOutCharm } from "./lay-out-charm.ts"

const command: Command = {
  run: "npm run pack --",
  summary:
    "Builds one .charm per architecture, whatever this machine's: backup-integrator_amd64.charm and\nbackup-integrator_arm64.charm, each with that architecture's pinned Node 24 runtime and every\nbase of charmcraft.yaml it runs on. Takes no flag.",
  flags: {},
  examples: ["npm run pack"],
}

const zip = async (dir: string, file: string) => {
  const archive = new ZipFile()
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = `${entry.parentPath}/${entry.name}`
    const name = path.slice(dir.length + 1)
    if (!entry.isFile() || name.startsWith(`${compileCacheDir}/`)) continue
    // Keep the mode bits: Juju must find dispatch and the runtime executable.
    archive.addFile(path, name, { mode: (await stat(path)).mode })
  }
  archive.end()
  await finished(archive.outputStream.pipe(createWriteStream(file)))
}

await runCommand(command, async () => {
  for (const architecture of Object.keys(architectures) as Array<Architecture>) {
    await layOutCharm(packDir(architecture), architecture)
    // Zipped from the link's target: readdir lists what a link names only through its target.
    await zip(realpathSync(packDir(architecture)), charmFile(architecture))
    console.log(`packed ${charmFile(architecture)}`)
  }
})
