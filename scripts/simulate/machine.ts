// The steps of a simulation run on one unit's machine (the packed charm, the hook-tool
// emulator, a temporary directory standing for /opt), and what Juju would show after each.
import { lstatSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { join } from "node:path"
import { durationText } from "../../src/domain/duration.ts"
import { updateStatusMemoPath } from "../../src/domain/machine-paths.ts"
import { charmApp } from "../../test/emulator/state.ts"
import { CharmUnit, type HookResult } from "../../test/support/charm-unit.ts"
import { clockMoved } from "../faketime.ts"
import { runBaculaJob, type ScriptRun } from "./bacula-job.ts"
import { type CharmDeclarations, relationEventOf } from "./charm-declarations.ts"
import { type Plan, type Step, secretUri } from "./plan.ts"

interface FileShown {
  readonly path: string
  readonly mode: string
  /** Its first line; a file holding a credential is never shown. */
  readonly firstLine: string
}

export interface StepShown {
  /** The event, the action as `juju run` takes it (`run-script name=run-before-backup`), or the job. */
  readonly step: string
  readonly kind: Step["kind"]
  /** The hook's exit code (none for a Bacula job, which runs no hook). */
  readonly exitCode?: number | null
  readonly stderr?: string
  readonly status: { readonly status: string; readonly message: string }
  /** The charm's databags (its application's, and its unit's when written), by relation id. */
  readonly databags: Record<string, Record<string, Record<string, string>>>
  readonly files: ReadonlyArray<FileShown>
  readonly calls: ReadonlyArray<string>
  readonly logs: ReadonlyArray<string>
  /** What `juju run` shows of an action. */
  readonly action?: {
    readonly status: "completed" | "failed"
    readonly message?: string
    readonly results: Record<string, unknown>
    readonly logs: ReadonlyArray<string>
  }
  /** The scripts Bacula started, and how the job ends. */
  readonly job?: { readonly runs: ReadonlyArray<ScriptRun>; readonly outcome: string }
  /** After --later: how far the machine's clock is now ahead of the real one (`13h`). */
  readonly clockAhead?: string
}

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`)

const filesBelow = (dir: string): Array<string> =>
  lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()
    ? readdirSync(dir)
        .sort()
        .flatMap((name) => {
          const path = join(dir, name)
          return lstatSync(path).isDirectory() ? filesBelow(path) : [path]
        })
    : []

/** Runs the plan's steps, one after another, on one unit; `show` is called after each. */
export const simulate = (charm: CharmDeclarations, plan: Plan, show: (step: StepShown) => void): void => {
  const unit = new CharmUnit(
    {
      leader: plan.leader,
      config: plan.config,
      relations: plan.relations,
      secrets: plan.secret === undefined ? {} : { [secretUri]: { revisions: [plan.secret], granted: true } },
    },
    plan.unit,
  )
  // Shown as on a machine: the temporary directory stands for /opt.
  const onMachine = (text: string) => text.replaceAll(unit.optDir, "/opt")
  const secretValues = Object.values(plan.secret ?? {}).filter((value) => value !== "")
  const appDir = join(unit.optDir, "backup-integrator-charm", charm.name)
  // How far --later has moved the machine's clock: every process of a later step runs with it.
  let ahead = 0
  const clock = () => (ahead === 0 ? {} : clockMoved(`+${ahead}`))
  // dispatch ends update-status by its memo, read with bash's clock and the files' times, which
  // libfaketime does not move: once the clock is moved, the memo is removed before each hook and
  // the program decides, as on a machine whose clock has passed the memo's instant.
  const memo = updateStatusMemoPath(unit.optDir, charm.name, Number(plan.unit.split("/")[1]))

  const files = (): Array<FileShown> =>
    filesBelow(unit.optDir).map((path) => {
      const firstLine = lstatSync(path).isFile() ? (readFileSync(path, "utf8").split("\n")[0] ?? "") : ""
      const credential =
        path.startsWith(join(appDir, "credentials")) ||
        secretValues.some((value) => firstLine.includes(value))
      return {
        path: onMachine(path),
        mode: (lstatSync(path).mode & 0o7777).toString(8).padStart(4, "0"),
        firstLine: credential ? "(a credential: not shown)" : onMachine(firstLine).slice(0, 200),
      }
    })

  const seen = (step: Step, hook?: HookResult): StepShown => {
    const state = unit.state
    const action = state.action
    return {
      step:
        step.kind === "action"
          ? [
              step.name,
              ...Object.entries(step.params).map(
                ([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`,
              ),
            ].join(" ")
          : step.kind === "bacula-job" && step.baculaFails
            ? `${step.name}:fail`
            : step.name,
      kind: step.kind,
      ...(hook === undefined ? {} : { exitCode: hook.code, stderr: onMachine(hook.stderr.trim()) }),
      status: state.status,
      databags: Object.fromEntries(
        Object.entries(state.relations).map(([id, relation]) => [
          id,
          JSON.parse(
            onMachine(
              JSON.stringify(
                Object.fromEntries(
                  Object.entries(relation.data).filter(
                    ([owner]) => owner === charmApp || owner === plan.unit,
                  ),
                ),
              ),
            ),
          ),
        ]),
      ),
      files: files(),
      calls: hook === undefined ? [] : state.calls.map((call) => onMachine(call.map(quote).join(" "))),
      logs:
        hook === undefined ? [] : state.logs.map(({ level, message }) => `${level} ${onMachine(message)}`),
      ...(step.kind === "action" && action !== undefined && hook !== undefined
        ? {
            action: {
              status: action.failed === undefined && hook.code === 0 ? "completed" : "failed",
              ...(action.failed !== undefined
                ? { message: onMachine(action.failed) }
                : hook.code !== 0
                  ? { message: `exit status ${hook.code}` }
                  : {}),
              results: JSON.parse(onMachine(JSON.stringify(action.results))),
              logs: action.logs.map(onMachine),
            },
          }
        : {}),
    }
  }

  /** The event's hook, with what Juju sets and changes around it for a relation or a secret. */
  const hook = (event: string): HookResult => {
    if (ahead !== 0) rmSync(memo, { force: true })
    const relation = relationEventOf(charm, event)
    if (relation === undefined)
      return unit.hook(event, undefined, {
        ...(event.startsWith("secret-") ? { JUJU_SECRET_ID: secretUri, JUJU_SECRET_REVISION: "1" } : {}),
        ...clock(),
      })
    const id = Object.keys(unit.state.relations).find(
      (r) => unit.state.relations[r]?.endpoint === relation.endpoint,
    ) as string
    const remote = unit.state.relations[id]?.remoteUnits[0] ?? ""
    // Departed: the remote unit has left the relation. Broken: the relation is going, with
    // no unit left, and it is gone once the hook has run.
    if (relation.kind === "departed" || relation.kind === "broken")
      unit.update((state) => {
        const r = state.relations[id]
        if (r !== undefined)
          state.relations[id] = {
            ...r,
            remoteUnits: relation.kind === "broken" ? [] : r.remoteUnits.slice(1),
            dying: relation.kind === "broken",
          }
      })
    const result = unit.hook(event, id, {
      ...(relation.kind === "departed" ? { JUJU_REMOTE_UNIT: remote, JUJU_DEPARTING_UNIT: remote } : {}),
      ...clock(),
    })
    if (relation.kind === "broken") unit.update((state) => void delete state.relations[id])
    return result
  }

  /** The path Bacula would start: the published one, or on a follower (where this simulation
   *  has no leader to publish) the runner's, as every leader publishes it. */
  const published = (option: string) => {
    const bag = Object.values(unit.state.relations).find((r) => r.endpoint === "backup")?.data[charmApp]
    const path = join(appDir, "scripts", option)
    return bag?.[option] ?? (!plan.leader && lstatSync(path, { throwIfNoEntry: false }) ? path : undefined)
  }

  try {
    for (const step of plan.steps) {
      if (step.kind === "event") show(seen(step, hook(step.name)))
      if (step.kind === "action") show(seen(step, unit.runAction(step.name, step.params, clock())))
      if (step.kind === "later") {
        ahead += step.seconds
        show({ ...seen(step), clockAhead: durationText(ahead) })
      }
      if (step.kind === "bacula-job") {
        const job = runBaculaJob(step, published, clock())
        show({
          ...seen(step),
          job: {
            outcome: job.outcome,
            runs: job.runs.map((r) => ({
              ...r,
              path: r.path && onMachine(r.path),
              messages: r.messages.map(onMachine),
            })),
          },
        })
      }
    }
  } finally {
    unit.remove()
  }
}
