// A simulation as a person reads it: what was set up, then each step as Juju would show it,
// leaving out what did not change since the step before.
import type { StepShown } from "./machine.ts"
import type { Plan } from "./plan.ts"

const indent = (lines: ReadonlyArray<string>, empty = "(none)") =>
  lines.length ? lines.map((line) => `  ${line}`) : [`  ${empty}`]

const cut = (text: string, width = 160) => (text.length > width ? `${text.slice(0, width)}...` : text)

/** A value as one line: a script by its first line and length. */
const summary = (value: string) => {
  const lines = value.split("\n").filter((line, n, all) => line !== "" || n < all.length - 1)
  return lines.length > 1
    ? `${cut(lines[0] ?? "", 80)} ... (${lines.length} lines)`
    : cut(lines[0] ?? "", 120)
}

export const setupText = (plan: Plan): string =>
  [
    `unit ${plan.unit} (${plan.leader ? "leader" : "follower"}), alone on its machine; /opt stands for a temporary directory, removed afterwards`,
    `configuration, ${plan.configSource}:`,
    ...indent(
      Object.entries(plan.config).map(([key, value]) =>
        key === "credentials" && plan.secret !== undefined
          ? `${key}: ${value} (from --secret: keys ${Object.keys(plan.secret).join(", ")}, granted to the application)`
          : `${key}: ${summary(value)}`,
      ),
    ),
    "relations:",
    ...indent(
      Object.entries(plan.relations).map(
        ([id, r]) => `${id} (${r.endpoint}) with ${r.remoteUnits.join(", ")}`,
      ),
    ),
    ...(plan.steps[0]?.name === "update-status"
      ? [
          "note: Juju runs install and config-changed before any update-status; on this blank machine, with no",
          "record of an earlier hook, update-status reconciles as they would (--then update-status shows a later one)",
        ]
      : []),
  ].join("\n")

const hookLines = (step: StepShown) =>
  step.exitCode === undefined ? [] : [`exit code: ${step.exitCode}${step.stderr ? `  ${step.stderr}` : ""}`]

const actionLines = (step: StepShown) => {
  const action = step.action
  if (action === undefined) return []
  const results = (value: unknown, depth: number): Array<string> =>
    Object.entries(value as Record<string, unknown>).flatMap(([key, v]) =>
      typeof v === "object" && v !== null
        ? [`${"  ".repeat(depth)}${key}:`, ...results(v, depth + 1)]
        : String(v).includes("\n")
          ? [
              `${"  ".repeat(depth)}${key}: |`,
              ...String(v)
                .trimEnd()
                .split("\n")
                .map((l) => `${"  ".repeat(depth + 1)}${l}`),
            ]
          : [`${"  ".repeat(depth)}${key}: ${v}`],
    )
  return [
    `action: ${action.status}${action.message ? `: ${action.message}` : ""}`,
    ...(action.logs.length ? ["action log:", ...indent(action.logs)] : []),
    "action results:",
    ...indent(results(action.results, 0), "(none)"),
  ]
}

const jobLines = (step: StepShown) =>
  step.job === undefined
    ? []
    : [
        ...step.job.runs.flatMap((run) => [
          run.path === undefined
            ? `${run.option}: nothing published, bacula-fd runs nothing`
            : `${run.option}: ${run.path}  ${run.signal ? `killed by ${run.signal}` : `exit status ${run.exitStatus}`}`,
          ...(run.path === undefined ? [] : indent(run.messages, "(no output)")),
        ]),
        `job: ${step.job.outcome}`,
      ]

const clockLines = (step: StepShown) =>
  step.clockAhead === undefined
    ? []
    : [
        `the machine's clock is now ${step.clockAhead} ahead (libfaketime; the monotonic clock is not moved): every later hook, action and Bacula job runs at that time`,
      ]

/**
 * Why the status is what it is: a Bacula job, or time passing, runs no hook, so the status it
 * leads to shows at the unit's next hook, not after it.
 */
const statusNote = (step: StepShown, unchanged: boolean) =>
  step.kind === "bacula-job"
    ? " (a job runs no hook: what it changed shows at the unit's next hook, e.g. --then update-status)"
    : step.kind === "later"
      ? " (time passing runs no hook: what it changes shows at the unit's next hook, e.g. --then update-status)"
      : unchanged
        ? " (unchanged)"
        : ""

/** One step; `previous` is the step before, whose unchanged parts are not repeated. */
export const stepText = (n: number, step: StepShown, previous: StepShown | undefined): string => {
  const same = (part: keyof StepShown) =>
    previous !== undefined && JSON.stringify(previous[part]) === JSON.stringify(step[part])
  return [
    `\n== ${n}. ${step.kind === "bacula-job" ? "Bacula job" : step.kind} ${step.step}`,
    ...hookLines(step),
    ...actionLines(step),
    ...jobLines(step),
    ...clockLines(step),
    `unit status: ${step.status.status}${step.status.message ? ` "${step.status.message}"` : ""}${statusNote(step, same("status"))}`,
    ...(same("databags")
      ? ["databags: unchanged"]
      : Object.entries(step.databags).flatMap(([id, bags]) => [
          `${id} databags of this charm:`,
          ...indent(
            Object.entries(bags).flatMap(([owner, bag]) =>
              Object.entries(bag).map(([key, value]) => `${owner}  ${key}: ${cut(value)}`),
            ),
            "(empty)",
          ),
        ])),
    ...(same("files")
      ? ["files: unchanged"]
      : [
          "files on the machine:",
          ...indent(step.files.map((f) => `${f.mode} ${f.path}  ${cut(f.firstLine, 100)}`)),
        ]),
    ...(step.kind === "bacula-job" || step.kind === "later"
      ? []
      : [
          `hook-tool calls (${step.calls.length}):`,
          ...indent(
            step.calls.map((call) => cut(call)),
            "(none)",
          ),
          ...(step.logs.length ? ["juju debug-log:", ...indent(step.logs)] : []),
        ]),
  ].join("\n")
}
