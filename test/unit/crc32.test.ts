import { crc32 as zlibCrc32 } from "node:zlib"
import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { crc32 } from "../../src/domain/crc32.ts"

describe("CRC-32", () => {
  it("gives the catalogue's check value, and nothing's is 0", () => {
    assert.strictEqual(crc32(new TextEncoder().encode("123456789")), 0xcbf43926)
    assert.strictEqual(crc32([]), 0)
  })

  it("is zlib's, for any bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => crc32(bytes) === zlibCrc32(bytes)))
  })
})
