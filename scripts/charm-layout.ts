import { arch } from "node:process"

/** The architectures a charm is built for (Juju's names), and npm's name of each for its runtime package. */
export const architectures = { amd64: "x64", arm64: "arm64" } as const
export type Architecture = keyof typeof architectures

export const isArchitecture = (name: string): name is Architecture => name in architectures

/** This machine's, in Juju's name. */
export const hostArchitecture = (): Architecture => {
  const found = Object.entries(architectures).find(([, npmName]) => npmName === arch)?.[0]
  if (found === undefined) throw new Error(`no Node runtime package for this machine (${arch})`)
  return found as Architecture
}

/** Where `npm run build` lays out the unpacked charm for this machine: what the tests run. */
export const charmDir = "build/charm"

/** Where `npm run pack` lays out the charm of each architecture before zipping it. */
export const packDir = (architecture: Architecture) => `build/pack/${architecture}`

/** The `.charm` file `npm run pack` writes for each architecture (every base is in its manifest). */
export const charmFile = (architecture: Architecture) => `backup-integrator_${architecture}.charm`

/** Written by the hook at run time (V8's code cache, see src/entry/code-cache.ts): never packed. */
export const compileCacheDir = "compile-cache"

/** Beside bin/node: the architecture it is built for, which `dispatch` checks before running it. */
export const runtimeArchFile = "bin/node.arch"
