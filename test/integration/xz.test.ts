// The XZ container the charm writes for its dashboard (src/domain/xz.ts), read back by what the
// cos_agent requirer runs: Python's lzma, json.loads(lzma.decompress(b64decode(x))).
import { spawnSync } from "node:child_process"
import fc from "fast-check"
import { assert, describe, it } from "vitest"
import { cosAgentConfig } from "../../src/domain/cos-agent-data.ts"
import { dashboard } from "../../src/domain/dashboard.ts"
import { xzStored } from "../../src/domain/xz.ts"

/** Runs Python over a JSON list on stdin, `expression` applied to each item `x`; the results as JSON. */
const python = (expression: string, items: ReadonlyArray<string>) => {
  const result = spawnSync(
    "python3",
    [
      "-c",
      `import base64, json, lzma, sys\nprint(json.dumps([${expression} for x in json.load(sys.stdin)]))`,
    ],
    { input: JSON.stringify(items), encoding: "utf8", maxBuffer: 1 << 28 },
  )
  assert.strictEqual(result.status, 0, result.stderr)
  return JSON.parse(result.stdout) as Array<unknown>
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64")

describe("the XZ container", () => {
  it("holds any bytes, across LZMA2's 64 KiB chunks, as Python's lzma reads them", () => {
    const samples = fc.sample(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ minLength: 65_530, maxLength: 65_540 }),
        fc.uint8Array({ minLength: 131_072, maxLength: 140_000 }),
      ),
      { numRuns: 40, seed: 23 },
    )
    const decoded = python(
      "base64.b64encode(lzma.decompress(base64.b64decode(x))).decode()",
      samples.map((s) => base64(xzStored(s))),
    )
    assert.deepStrictEqual(decoded, samples.map(base64))
  })

  it("a damaged container is refused (its checks are checked)", () => {
    const damaged = xzStored(new TextEncoder().encode('{"title":"x"}'))
    damaged.set([(damaged.at(-20) ?? 0) ^ 0xff], damaged.length - 20)
    const result = spawnSync(
      "python3",
      ["-c", "import lzma, sys; lzma.decompress(sys.stdin.buffer.read())"],
      {
        input: damaged,
      },
    )
    assert.notStrictEqual(result.status, 0)
  })

  it("the databag's dashboard reads back, as the requirer reads it, as the dashboard", () => {
    const { dashboards } = JSON.parse(
      cosAgentConfig({ model: "m", modelUuid: "2a2fb8a6-0000-0000-0000-000000000000", application: "a" }),
    )
    const [read] = python("json.loads(lzma.decompress(base64.b64decode(x)))", dashboards)
    assert.deepStrictEqual(read, JSON.parse(JSON.stringify(dashboard)))
  })
})
