#!/usr/bin/env node
// Entry of every emulated hook tool (bin/* link here). It turns on Node's compile cache
// before loading the TypeScript emulator, so that each call costs little more than a
// Node start: the cost of a call is what the charm's benchmark measures against.
import module from "node:module"
import { tmpdir } from "node:os"

module.enableCompileCache(`${tmpdir()}/backup-integrator-emulator-cache`)
await import("./hook-tool.ts")
