import { crc32 } from "./crc32.ts"

// The XZ container (tukaani.org's xz-file-format 1.2.1) around LZMA2 chunks stored without
// compression: what the cos_agent interface wants for a dashboard (its requirer runs Python's
// `lzma.decompress`, which reads any valid .xz), written in a few lines rather than with a
// compressor from npm, since Node has none. The dashboard is small and sent once per relation.

/** LZMA2 stores at most 64 KiB in one uncompressed chunk. */
const chunkSize = 1 << 16

/** The stream's flags: check type CRC32 (0x01). */
const streamFlags = [0x00, 0x01]

const le32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff]

const crc = (bytes: ReadonlyArray<number> | Uint8Array) => le32(crc32(bytes))

/** XZ's variable-length integer: 7 bits a byte, low first. */
const varint = (n: number) => {
  const out: Array<number> = []
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80)
    n = Math.floor(n / 0x80)
  }
  out.push(n)
  return out
}

const padding = (length: number) => new Array((4 - (length % 4)) % 4).fill(0)

/** `data` in an XZ container: one block of LZMA2 uncompressed chunks, checked with CRC32. */
export const xzStored = (data: Uint8Array): Uint8Array => {
  const header = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, ...streamFlags, ...crc(streamFlags)]
  // Block header: its size, no optional sizes, one filter: LZMA2 (0x21), 1 byte of properties
  // (dictionary 4 KiB: stored chunks need none), padded to 4 bytes, then its CRC32.
  const blockFields = [0x02, 0x00, 0x21, 0x01, 0x00, 0x00, 0x00, 0x00]
  const blockHeader = [...blockFields, ...crc(blockFields)]
  const chunks: Array<number> = []
  for (let at = 0; at < data.length; at += chunkSize) {
    const chunk = data.subarray(at, at + chunkSize)
    // 0x01: stored, dictionary reset (the first); 0x02: stored; then the size less one, big-endian.
    chunks.push(at === 0 ? 0x01 : 0x02, (chunk.length - 1) >>> 8, (chunk.length - 1) & 0xff, ...chunk)
  }
  chunks.push(0x00)
  const unpaddedSize = blockHeader.length + chunks.length + 4
  const block = [...blockHeader, ...chunks, ...padding(chunks.length), ...crc(data)]
  const indexFields = [0x00, ...varint(1), ...varint(unpaddedSize), ...varint(data.length)]
  const indexBody = [...indexFields, ...padding(indexFields.length)]
  const index = [...indexBody, ...crc(indexBody)]
  const footerFields = [...le32(index.length / 4 - 1), ...streamFlags]
  const footer = [...crc(footerFields), ...footerFields, 0x59, 0x5a]
  return Uint8Array.from([...header, ...block, ...index, ...footer])
}
