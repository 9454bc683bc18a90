import { arch } from "node:process"

/** Where `npm run build` lays out the unpacked charm. */
export const charmDir = "build/charm"

/** Juju's name for this machine's architecture (the npm `node` package ships the runtime for it). */
export const jujuArch = ({ x64: "amd64", arm64: "arm64" } as Record<string, string>)[arch] ?? arch

/** The base `npm run pack` builds for; charmcraft builds every platform of charmcraft.yaml. */
export const base = { name: "ubuntu", channel: "24.04" }

/** Written by the hook at run time (V8's code cache, see src/code-cache.ts): never packed. */
export const compileCacheDir = "compile-cache"
