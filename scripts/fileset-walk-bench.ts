// `npm run bench`'s fileset walk: what run-before-backup's runner spends looking at what a backup
// holds (src/runner/held.py) before Bacula reads it, on a tree of 100,000 files, and that past
// its bound (100,000 entries or about one second a job) it stops: on twice the tree, the same.
// Runs the walk of the runner file the charm installs (the zipapp built from src/runner/).
import { execFileSync } from "node:child_process"
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { runnerFile } from "./runner-file.ts"

const filesPerDirectory = 1000

/** `count` empty files under `dir`, 1,000 a directory (one Python process: quicker than Node's calls). */
const makeTree = (dir: string, count: number) =>
  execFileSync("python3", [
    "-c",
    `import os,sys\nd,n,k=sys.argv[1],int(sys.argv[2]),int(sys.argv[3])\nfor i in range(n):\n    s=os.path.join(d,str(i//k))\n    if i%k==0: os.makedirs(s,exist_ok=True)\n    open(os.path.join(s,str(i)),"wb").close()`,
    dir,
    String(count),
    String(filesPerDirectory),
  ])

interface Walk {
  readonly ms: number
  readonly files: number
  readonly complete: boolean
}

/** `rounds` walks of `paths` by the runner's own module; `bounded` false lifts the job's bound. */
const walks = (runner: string, paths: ReadonlyArray<string>, rounds: number, bounded: boolean): Array<Walk> =>
  JSON.parse(
    execFileSync(
      "python3",
      [
        "-I",
        "-c",
        `import json,sys,time\nsys.path.insert(0,sys.argv[1])\nimport held\nout=[]\nfor _ in range(int(sys.argv[2])):\n    t=time.monotonic()\n    h=held.walk_fileset(json.loads(sys.argv[4]), **({} if sys.argv[3]=="1" else {"entries":10**12,"seconds":1e9}))\n    out.append({"ms":(time.monotonic()-t)*1000,"files":sum(p["files"] for p in h["paths"]),"complete":all(p["complete"] for p in h["paths"])})\nprint(json.dumps(out))`,
        runner,
        String(rounds),
        bounded ? "1" : "0",
        JSON.stringify(paths),
      ],
      { encoding: "utf8" },
    ),
  )

const median = (values: ReadonlyArray<number>) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0

const line = (name: string, runs: ReadonlyArray<Walk>) => {
  const last = runs[runs.length - 1]
  const ms = runs.map(({ ms }) => ms)
  return `${name.padEnd(44)}${median(ms).toFixed(1).padStart(7)} ms${Math.min(...ms)
    .toFixed(1)
    .padStart(7)} ms${Math.max(...ms)
    .toFixed(1)
    .padStart(
      7,
    )} ms   ${last?.files.toLocaleString("en")} files${last?.complete ? "" : " (at least: stopped at the bound)"}`
}

/** Measures in `work` (a scratch directory) and prints the walk's figures. */
export const measureFilesetWalk = (work: string, rounds: number) => {
  const runner = join(work, "runner.pyz")
  writeFileSync(runner, runnerFile("src/runner"))
  const first = join(work, "tree-a")
  const second = join(work, "tree-b")
  mkdirSync(first)
  mkdirSync(second)
  makeTree(first, 100_000)
  const full = walks(runner, [first], rounds, false)
  const bounded = walks(runner, [first], rounds, true)
  makeTree(second, 100_000)
  const twice = walks(runner, [first, second], rounds, true)
  console.log(`fileset walk before a backup (src/runner/held.py): ${rounds} rounds each`)
  console.log(`                                          median       min       max`)
  console.log(line("100,000 files (100 directories), no bound", full))
  console.log(line("100,000 files, the job's bound", bounded))
  console.log(line("200,000 files in two paths, the job's bound", twice))
  console.log("  bound: 100,000 entries (files and directories) or 1 s a job, over all its paths")
}
