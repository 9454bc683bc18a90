// `npm run build [-- --arch amd64|arm64] [-- --for-charmcraft]`: the unpacked charm in
// build/charm/, for this machine's architecture unless told another. Under charmcraft (see
// charmcraft.yaml), which writes the YAML files itself, only the code and the runtime.
import { parseArgs } from "node:util"
import { charmDir, hostArchitecture, isArchitecture } from "./charm-layout.ts"
import { layOutCharm } from "./lay-out-charm.ts"

const { values } = parseArgs({
  options: { arch: { type: "string" }, "for-charmcraft": { type: "boolean", default: false } },
  strict: true,
})
const architecture = values.arch ?? hostArchitecture()
if (!isArchitecture(architecture)) throw new Error(`--arch: expected amd64 or arm64, not ${architecture}`)
await layOutCharm(charmDir, architecture, { yaml: !values["for-charmcraft"] })
