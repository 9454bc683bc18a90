// CRC-32 as XZ checks it (the ISO-HDLC one of zlib and PNG: reflected, polynomial 0xEDB88320),
// computed here: taking node:zlib's made every hook load zlib (2.5 ms on `node -e`; 0.8 ms of
// a steady config-changed, CPU and wall, paired) for the few bytes of a dashboard.
const table = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c
})

/** The CRC-32 of `bytes`. */
export const crc32 = (bytes: ArrayLike<number>): number => {
  let c = 0xffffffff
  for (let i = 0; i < bytes.length; i++) c = (table[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
