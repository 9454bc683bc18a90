// What the build needs to know of the runtime's ELF file, and a strip that works for any
// architecture (binutils' strip knows only the host's). ELF64, little-endian: x86-64, aarch64.

const SHF_ALLOC = 0x2n
const SHT_GNU_VERNEED = 0x6ffffffe

interface Section {
  readonly name: number
  readonly type: number
  readonly flags: bigint
  readonly offset: number
  readonly size: number
  readonly link: number
}

const header = (elf: Buffer) => {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) {
    throw new Error("not a 64-bit little-endian ELF file")
  }
  return {
    machine: elf.readUInt16LE(18),
    phoff: Number(elf.readBigUInt64LE(32)),
    shoff: Number(elf.readBigUInt64LE(40)),
    phentsize: elf.readUInt16LE(54),
    phnum: elf.readUInt16LE(56),
    shentsize: elf.readUInt16LE(58),
    shnum: elf.readUInt16LE(60),
    shstrndx: elf.readUInt16LE(62),
  }
}

const sections = (elf: Buffer): ReadonlyArray<Section> => {
  const { shoff, shentsize, shnum } = header(elf)
  return Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize
    return {
      name: elf.readUInt32LE(at),
      type: elf.readUInt32LE(at + 4),
      flags: elf.readBigUInt64LE(at + 8),
      offset: Number(elf.readBigUInt64LE(at + 24)),
      size: Number(elf.readBigUInt64LE(at + 32)),
      link: elf.readUInt32LE(at + 40),
    }
  })
}

const cString = (elf: Buffer, at: number) => elf.toString("latin1", at, elf.indexOf(0, at))

/** Juju's name for the machine an ELF file is built for. */
export const elfArchitecture = (elf: Buffer): string => {
  const { machine } = header(elf)
  return ({ 62: "amd64", 183: "arm64" } as Record<number, string>)[machine] ?? `ELF machine ${machine}`
}

/** Orders dotted versions (`2.28` before `2.35`). */
export const compareVersions = (a: string, b: string): number => {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number)) as [Array<number>, Array<number>]
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0)
  }
  return 0
}

/** The newest glibc symbol version the file needs (`2.28` for GLIBC_2.28), from `.gnu.version_r`. */
export const glibcNeeded = (elf: Buffer): string => {
  const all = sections(elf)
  const versions: Array<string> = []
  for (const section of all.filter(({ type }) => type === SHT_GNU_VERNEED)) {
    const strings = all[section.link]?.offset ?? 0
    for (let need = section.offset, next = 1; next !== 0; need += next) {
      const count = elf.readUInt16LE(need + 2)
      for (let aux = need + elf.readUInt32LE(need + 8), i = 0; i < count; i++) {
        const name = cString(elf, strings + elf.readUInt32LE(aux + 8))
        if (name.startsWith("GLIBC_2.")) versions.push(name.slice(6))
        aux += elf.readUInt32LE(aux + 12)
      }
      next = elf.readUInt32LE(need + 12)
    }
  }
  const newest = versions.sort(compareVersions).at(-1)
  if (newest === undefined) throw new Error("the file needs no glibc version")
  return newest
}

/**
 * The file without its sections that are not loaded (debug information, the symbol table and
 * its strings, comments): what `strip` removes, about 18 MB of Node's 126. Those sections lie
 * past every loaded segment, so the file is cut after the last segment, the section-name table
 * is put back and a new section header table written. Anything laid out otherwise is refused.
 */
export const stripElf = (elf: Buffer): Buffer => {
  const { phoff, phentsize, phnum, shentsize, shstrndx } = header(elf)
  let loadedEnd = 0
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize
    loadedEnd = Math.max(loadedEnd, Number(elf.readBigUInt64LE(at + 8) + elf.readBigUInt64LE(at + 32)))
  }
  const all = sections(elf)
  const kept = all.flatMap((section, index) => (index === 0 || section.flags & SHF_ALLOC ? [index] : []))
  for (const [index, section] of all.entries()) {
    if (!kept.includes(index) && index !== shstrndx && section.offset < loadedEnd && section.size > 0) {
      throw new Error(`section ${index} is not loaded but lies among the loaded ones`)
    }
  }
  const names = all[shstrndx]
  if (names === undefined) throw new Error("no section-name table")
  const namesAt = loadedEnd
  const tableAt = Math.ceil((namesAt + names.size) / 8) * 8
  const out = Buffer.alloc(tableAt + (kept.length + 1) * shentsize)
  elf.copy(out, 0, 0, loadedEnd)
  elf.copy(out, namesAt, names.offset, names.offset + names.size)
  const renumbered = new Map(kept.map((old, i) => [old, i]))
  for (const [i, old] of [...kept, shstrndx].entries()) {
    const from = header(elf).shoff + old * shentsize
    const to = tableAt + i * shentsize
    elf.copy(out, to, from, from + shentsize)
    const link = out.readUInt32LE(to + 40)
    if (link !== 0) {
      const linked = renumbered.get(link)
      if (linked === undefined) throw new Error(`section ${old} links to section ${link}, which goes`)
      out.writeUInt32LE(linked, to + 40)
    }
    if (old === shstrndx) out.writeBigUInt64LE(BigInt(namesAt), to + 24)
  }
  out.writeBigUInt64LE(BigInt(tableAt), 40)
  out.writeUInt16LE(kept.length + 1, 60)
  out.writeUInt16LE(kept.length, 62)
  return out
}
