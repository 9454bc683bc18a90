// `npm run simulate`: the packed charm on one emulated unit, without a controller. A first
// event, then events, actions and Bacula jobs in order, each shown as Juju would show it:
// unit status, databags, files on the machine, hook-tool calls, action results.
import { type Command, runCommand } from "./command-line.ts"
import { readDeclarations } from "./simulate/charm-declarations.ts"
import type { StepShown } from "./simulate/machine.ts"
import { simulate } from "./simulate/machine.ts"
import { planOf } from "./simulate/plan.ts"
import { setupText, stepText } from "./simulate/show-text.ts"

const charm = readDeclarations()

const command: Command = {
  run: "npm run simulate --",
  summary: [
    "Runs the packed charm (build/charm) on one unit against the project's hook-tool emulator, as",
    "Juju would: a first event, then each --then, --action, --bacula-job and --later in the order given,",
    "on the same machine. After each step it shows what Juju would: the unit status, the charm's",
    "databags, the files on the machine (path, mode, first line; never a credential), the",
    "hook-tool calls and debug-log, and an action's results.",
  ].join("\n"),
  flags: {
    event: {
      type: "string",
      value: "EVENT",
      help: "The first hook (default config-changed). Any event Juju sends this charm: install,\nupdate-status, remove, backup-relation-changed...\ne.g. --event install",
    },
    // biome-ignore lint/suspicious/noThenProperty: the flag is --then; nothing awaits this object.
    then: {
      type: "string",
      multiple: true,
      value: "EVENT",
      help: "A later hook on the same machine. Relation events use the endpoint's first relation\n(-broken then removes it); secret events the --secret.\ne.g. --then update-status --then backup-relation-broken",
    },
    action: {
      type: "string",
      multiple: true,
      value: "NAME [KEY=VALUE]...",
      help: `Runs an action as \`juju run <unit> NAME KEY=VALUE...\` does (values are YAML, as juju
reads them), after the first hook; refused as Juju refuses an undeclared action or a bad
parameter.
Actions: ${Object.keys(charm.actions).join(", ")}.
e.g. --action run-script name=run-before-backup --action show-runs`,
    },
    "bacula-job": {
      type: "string",
      multiple: true,
      value: "backup|restore[:fail]",
      help: `Starts the job's published scripts as bacula-fd does: the before-script, then, if it
exited 0, the after-script; execvp, no argument, cwd /, stdin /dev/null, umask 022,
stdout and stderr in one pipe. Shows each line, exit status and the job's outcome.
With :fail, Bacula fails the job after the before-script succeeded (a storage daemon
gone, a cancel) and runs no after-script, as it does: the unit holds the job as running
until its result is due (12h before any success; see show-backups' result-due), then
says it had none: see it with --later 13h --then update-status. A job runs no hook: the
unit status it leads to shows at the next hook (--then update-status).
e.g. --bacula-job backup --then update-status --bacula-job backup:fail`,
    },
    later: {
      type: "string",
      multiple: true,
      value: "DURATION",
      help: `Moves the machine's clock ahead by DURATION (as the charm reads durations: 30m, 13h,
2d, 1h30m), added to any --later before: every later hook, action and Bacula job (the
runner too) runs at that time, through libfaketime (bash scripts/fetch-faketime.sh);
the monotonic clock is not moved. Nothing runs then: what time changes shows at the
next hook, as a job whose result never came, or a backup older than backup-max-age.
e.g. --bacula-job backup:fail --later 13h --then update-status`,
    },
    config: {
      type: "string",
      multiple: true,
      value: "KEY=VALUE|KEY=@FILE",
      help: `Sets an option; KEY=@FILE reads the value from a file (relative to where npm runs),
KEY=@- from stdin. Without --config the worked example is used (README's PostgreSQL dump
and load); with --config only what is given (and the options' defaults).
Options: ${Object.keys(charm.options).join(", ")}.
metrics-directory=DIR is real: the unit writes its metrics file into DIR, an existing
directory of this machine (backup-integrator-<application>.prom: what the alerts read).
e.g. --config fileset=/srv/data --config run-before-backup=@dump.sh`,
    },
    secret: {
      type: "string",
      multiple: true,
      value: "KEY=VALUE",
      help: "A key of a Juju user secret, created and granted to the application; credentials is\nset to its URI, as after juju add-secret, grant-secret and config.\ne.g. --secret password=s3cret --secret user=backup",
    },
    follower: {
      type: "boolean",
      help: "The unit is not the leader (by default it is): it installs the scripts but publishes\nnothing.\ne.g. --follower --action show-runs",
    },
    relations: {
      type: "string",
      value: "N",
      help: "How many backup relations, to bacula-fd (0 to 50, default 1).\ne.g. --relations 2",
    },
    "no-relation": {
      type: "boolean",
      help: "No backup relation: the same as --relations 0.\ne.g. --no-relation --event install",
    },
    relate: {
      type: "string",
      multiple: true,
      value: "ENDPOINT=APP",
      help: `A relation of another endpoint to application APP. Endpoints: ${Object.keys(charm.endpoints).join(", ")}.\ne.g. --relate backup=bacula-fd-dr`,
    },
    json: {
      type: "boolean",
      help: "Print the setup and every step as one JSON document, for programs.\ne.g. npm run -s simulate -- --json | jq '.steps[0].status'   (-s: without npm's own lines)",
    },
  },
  takesArguments: true,
  notes: [
    "--action run-script and --bacula-job run the configured scripts for real, on this machine\nand as you (the runner and its records stay in the temporary directory): they need your\nown scripts, given with --config, never the worked example's (which call pg_dump).",
  ],
  examples: [
    "npm run simulate",
    "npm run simulate -- --follower --no-relation",
    "npm run simulate -- --then update-status --then backup-relation-broken",
    "printf '#!/bin/sh\\necho dumping\\n' | npm run simulate -- --config fileset=/srv \\\n      --config run-before-backup=@- --bacula-job backup --action show-runs --then update-status",
    "printf '#!/bin/sh\\nwc -c \"$CREDENTIALS_DIRECTORY/password\"\\n' | npm run simulate -- --config fileset=/srv \\\n      --config run-before-backup=@- --secret password=s3cret --action run-script name=run-before-backup --json",
    "printf '#!/bin/sh\\necho dumping\\n' | npm run simulate -- --config fileset=/srv --config run-before-backup=@- \\\n      --bacula-job backup:fail --later 13h --then update-status --action show-backups",
    "printf '#!/bin/sh\\necho dumping\\n' | npm run simulate -- --config fileset=/srv --config run-before-backup=@- \\\n      --config backup-max-age=1d --bacula-job backup --later 2d --then update-status",
    "d=$(mktemp -d) && npm run simulate -- --config fileset=/srv --config metrics-directory=$d \\\n      && cat $d/backup-integrator-backup-integrator.prom",
  ],
}

await runCommand(command, (args) => {
  const plan = planOf(charm, args)
  const steps: Array<StepShown> = []
  if (!plan.json) console.log(setupText(plan))
  simulate(charm, plan, (step) => {
    if (!plan.json) console.log(stepText(steps.length + 1, step, steps.at(-1)))
    steps.push(step)
  })
  if (plan.json) {
    const { json: _, ...setup } = plan
    console.log(JSON.stringify({ ...setup, secret: plan.secret && Object.keys(plan.secret), steps }, null, 2))
  }
})
