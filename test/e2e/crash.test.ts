// Crash safety: the hook killed with SIGKILL at random points, hundreds of times, while it
// rewrites its scripts. A script is only ever the old or the new one, whole; then the next
// hook converges.
import { lstatSync, readdirSync, readFileSync, watch } from "node:fs"
import { join } from "node:path"
import { afterAll, assert, describe, it } from "vitest"
import { scriptOptions } from "../../src/domain/options.ts"
import { appBag } from "../emulator/state.ts"
import { backupRelation, CharmUnit, expectOk } from "../support/charm-unit.ts"

const seed = Number(process.env.CRASH_SEED ?? 20261124)
const runs = 200

/** mulberry32: a small seeded generator, so that a failing run can be replayed. */
const random = (() => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
})()

// Large enough that a write takes a while; each version differs in every script.
const version = (v: string) =>
  Object.fromEntries(
    scriptOptions.map((option) => [option, `#!/bin/sh\n# ${option} ${v}\n${v.repeat(256 * 1024)}\n`]),
  )
const versions = [version("a"), version("b")]
const config = (i: number) => ({ fileset: `/srv/${i % 2 ? "b" : "a"}`, ...versions[i % 2] })

const u = new CharmUnit({ config: config(0), relations: { "backup:3": backupRelation() } })
afterAll(() => u.remove())

describe(`SIGKILL while writing (seed ${seed}; CRASH_SEED replays)`, () => {
  it(`${runs} kills at random points: scripts whole, then convergence`, { timeout: 600_000 }, async () => {
    expectOk(u.hook("config-changed"))
    // The runner is the same in both versions: what changes is the operator's script.
    const dir = join(u.operatorScript("x"), "..")
    for (let i = 1; i <= runs; i++) {
      u.update((s) => {
        s.config = config(i)
      })
      // Half the kills at any point of the hook, half in the middle of the writing itself:
      // a few milliseconds after the first change the scripts directory sees.
      const atWrite = i % 2 === 0
      const delay = atWrite ? Math.floor(random() * 4) : Math.floor(random() * 500)
      await u.hookKilled("config-changed", (kill) => {
        if (!atWrite) {
          const timer = setTimeout(kill, delay)
          return () => clearTimeout(timer)
        }
        let timer: NodeJS.Timeout | undefined
        const watcher = watch(dir, () => {
          timer ??= setTimeout(kill, delay)
        })
        return () => {
          watcher.close()
          clearTimeout(timer)
        }
      })
      for (const option of scriptOptions) {
        const path = u.operatorScript(option)
        const info = lstatSync(path, { throwIfNoEntry: false })
        const where = `run ${i}, killed ${delay} ms after ${atWrite ? "the first write" : "the start"} (seed ${seed}): ${option}`
        // A published runner never lacks its script.
        if (lstatSync(u.runnerPath(option), { throwIfNoEntry: false }) !== undefined)
          assert.isDefined(info, `${where}: a runner without its script`)
        if (info === undefined) continue
        assert.isTrue(info.isFile(), where)
        assert.strictEqual(info.mode & 0o7777, 0o700, where)
        const content = readFileSync(path, "utf8")
        assert.isTrue(
          content === versions[0]?.[option] || content === versions[1]?.[option],
          `${where}: torn content`,
        )
      }
    }
    const last = u.hook("config-changed")
    expectOk(last)
    assert.deepStrictEqual(readdirSync(dir).sort(), [...scriptOptions].sort())
    for (const option of scriptOptions) {
      assert.strictEqual(readFileSync(u.operatorScript(option), "utf8"), versions[runs % 2]?.[option])
    }
    assert.strictEqual(appBag(last.state, "backup:3")?.fileset, `/srv/${runs % 2 ? "b" : "a"}`)
  })
})
