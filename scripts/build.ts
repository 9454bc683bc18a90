// `npm run build [-- --arch amd64|arm64] [-- --for-charmcraft]`: the unpacked charm in
// build/charm/, for this machine's architecture unless told another. Under charmcraft (see
// charmcraft.yaml), which writes the YAML files itself, only the code and the runtime.
import { charmDir, hostArchitecture, isArchitecture } from "./charm-layout.ts"
import { type Command, flagValue, hasFlag, runCommand, UsageError } from "./command-line.ts"
import { layOutCharm } from "./lay-out-charm.ts"

const command: Command = {
  run: "npm run build --",
  summary:
    "Lays out the unpacked charm in build/charm/ (what the tests and `npm run simulate` run):\ndispatch, the program, and the pinned Node 24 runtime of one architecture.",
  flags: {
    arch: {
      type: "string",
      value: "amd64|arm64",
      help: "The architecture of the runtime (default: this machine's). A charm for another\narchitecture refuses to start here: the e2e tests then fail saying so.",
    },
    "for-charmcraft": {
      type: "boolean",
      help: "Leave out metadata.yaml, config.yaml, actions.yaml and manifest.yaml, which\ncharmcraft writes itself (charmcraft.yaml's override-build uses it).",
    },
  },
  examples: ["npm run build", "npm run build -- --arch arm64"],
}

await runCommand(command, async (args) => {
  const architecture = flagValue(args, "arch") ?? hostArchitecture()
  if (!isArchitecture(architecture))
    throw new UsageError(`--arch: expected amd64 or arm64, not ${architecture}`)
  await layOutCharm(charmDir, architecture, { yaml: !hasFlag(args, "for-charmcraft") })
})
