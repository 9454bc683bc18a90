// The runner as the charm installs it on the machine: one file, so that one rename replaces it
// whole while Bacula may be starting it. Python runs a zip archive that holds `__main__.py`
// (a zipapp); the `#!` line before it makes it executable as a script, as Bacula execs it.
// Built from src/runner/*.py, byte for byte the same for the same sources (no dates, sorted
// names, stored uncompressed), so the charm rewrites it only when its sources changed.
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { crc32 } from "node:zlib"
import { runnerInterpreter } from "../src/domain/machine-paths.ts"

/** The runner's interpreter line: isolated mode, so no PYTHON* variable or user site reaches it. */
export const runnerShebang = `#!${runnerInterpreter} -I\n`

const u16 = (value: number) => Buffer.from([value & 0xff, (value >>> 8) & 0xff])
const u32 = (value: number) => {
  const bytes = Buffer.alloc(4)
  bytes.writeUInt32LE(value >>> 0)
  return bytes
}

/** 1980-01-01 00:00, the zip format's earliest date: no build time in the file. */
const dosTime = 0
const dosDate = (0 << 9) | (1 << 5) | 1

/** The zipapp of the modules in `dir` (every `*.py`), its offsets counted from the file's start. */
export const runnerFile = (dir: string): Uint8Array => {
  const names = readdirSync(dir)
    .filter((name) => name.endsWith(".py"))
    .sort()
  const parts: Buffer[] = [Buffer.from(runnerShebang)]
  let offset = parts[0]?.length ?? 0
  const central: Buffer[] = []
  for (const name of names) {
    const data = readFileSync(join(dir, name))
    const fileName = Buffer.from(name)
    const common = [
      u16(20),
      u16(0),
      u16(0),
      u16(dosTime),
      u16(dosDate),
      u32(crc32(data)),
      u32(data.length),
      u32(data.length),
      u16(fileName.length),
      u16(0),
    ]
    const local = Buffer.concat([u32(0x04034b50), ...common, fileName, data])
    central.push(
      Buffer.concat([
        u32(0x02014b50),
        u16(20),
        ...common,
        u16(0),
        u16(0),
        u16(0),
        u32(0),
        u32(offset),
        fileName,
      ]),
    )
    parts.push(local)
    offset += local.length
  }
  const directory = Buffer.concat(central)
  const end = Buffer.concat([
    u32(0x06054b50),
    u16(0),
    u16(0),
    u16(names.length),
    u16(names.length),
    u32(directory.length),
    u32(offset),
    u16(0),
  ])
  return new Uint8Array(Buffer.concat([...parts, directory, end]))
}
