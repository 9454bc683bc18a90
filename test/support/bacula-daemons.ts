// Debian's Bacula 9.6 (unpacked by scripts/fetch-bacula.sh): a Director with its sqlite3
// catalog, a storage daemon and a file daemon on 127.0.0.1, configured from a published
// `backup` databag as bacula-fd and bacula-server configure theirs, and driven with bconsole.
//
// What the charms do, read from their templates (canonical/backup-operators:
// bacula-fd-operator/src/charm.py and templates/bacula-fd.conf.j2,
// bacula-server-operator/src/templates/bacula-dir.conf.j2): bacula-fd passes the databag's
// fileset and each `run-*` path on to bacula-server, with a no-op script of its own for a key
// that is absent; bacula-server splits the fileset on commas into unquoted `File =` lines, and
// writes one backup and one restore Job per client, each with two client RunScripts
// (`Command = "<path>"`, before: FailJobOnError = yes, after: no). Its storage is S3 and its
// compression ZSTD, which Bacula 9.6 lacks: here a File device and GZIP.
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs"
import { createServer } from "node:net"
import { arch, tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { DatabaseSync } from "node:sqlite"
import { setTimeout as sleep } from "node:timers/promises"

const root = resolve("build/bacula")
const sbin = join(root, "usr/sbin")
const catalogSql = join(root, "usr/share/dbconfig-common/data/bacula-director-sqlite3/install/sqlite3")
const triplet = `${arch() === "arm64" ? "aarch64" : "x86_64"}-linux-gnu`
const libraryPath = [
  join(root, "usr/lib/bacula"),
  join(root, "usr/lib", triplet),
  join(root, "lib", triplet),
].join(":")

/** Whether the daemons are there; the suite says how to get them when they are not. */
export const baculaDaemonsMissing = ["bacula-dir", "bacula-sd", "bacula-fd", "bconsole"].every((name) =>
  existsSync(join(sbin, name)),
)
  ? undefined
  : `Bacula's daemons are not in ${sbin}: run bash scripts/test-setup.sh (npm test does)`

/** How long a daemon may live whatever happens to the test process (`timeout` stops it). */
const lifetimeSeconds = 300
/** How long a job may take before the test gives up on it: generous, for a busy machine. */
const jobBoundMs = 90_000

const directorName = "charm-bacula-dir"
/** bacula-fd's name for itself, as its charm builds it: relation-<model>-<unit>-<uuid tail>-fd. */
const clientName = "relation-test-bacula-fd-0-0d3f1c2b9e11-fd"
export const backupJob = `${clientName}-backup`
export const restoreJob = `${clientName}-restore`

/** A job's end as the catalog holds it. */
export interface JobEnd {
  readonly jobId: number
  /** Bacula's one-letter status: T (OK), f (fatal error), E, A (cancelled), ... */
  readonly status: string
  readonly errors: number
  /** The job's messages, as `list joblog` shows them. */
  readonly log: string
}

// Every status a job ends in (src/jcr.h's JS_*): anything else is still on its way.
const endStatuses = new Set(["T", "W", "E", "e", "f", "A", "D", "I"])

// Ports handed out in this process: never twice, so that sites started at once cannot meet.
const handedOut = new Set<number>()

/** `count` ports of 127.0.0.1 free now, held open together so that the kernel gives distinct ones. */
const freePorts = async (count: number): Promise<Array<number>> => {
  const servers = Array.from({ length: count }, () => createServer())
  try {
    const ports = await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((done, fail) => {
            server.once("error", fail)
            server.listen(0, "127.0.0.1", () => done((server.address() as { port: number }).port))
          }),
      ),
    )
    if (ports.some((port) => handedOut.has(port))) return freePorts(count)
    for (const port of ports) handedOut.add(port)
    return ports
  } finally {
    await Promise.all(servers.map((server) => new Promise((done) => server.close(done))))
  }
}

/**
 * Whether something listens on 127.0.0.1:`port`, read from the kernel's socket table: a test
 * connection would reach the daemon as a client that never says hello, which Bacula reports
 * as a security alert in the next job's messages.
 */
const listensOn = (port: number) => {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .some((line) => {
      const fields = line.trim().split(/\s+/)
      return fields[1] === local && fields[3] === "0A"
    })
}

interface Ports {
  readonly dir: number
  readonly sd: number
  readonly fd: number
}

interface Passwords {
  readonly dir: string
  readonly sd: string
  readonly fd: string
}

/** The four client RunScripts' commands: the databag's paths, bacula-fd's no-op for absent keys. */
const scriptCommands = (bag: Record<string, string>, noop: string) => {
  const command = (option: string) => bag[option] || noop
  return {
    beforeBackup: command("run-before-backup"),
    afterBackup: command("run-after-backup"),
    beforeRestore: command("run-before-restore"),
    afterRestore: command("run-after-restore"),
  }
}

const runScripts = (before: string, after: string) => `  RunScript {
    Command = "${before}"
    RunsOnClient = yes
    RunsWhen = Before
    FailJobOnError = yes
  }
  RunScript {
    Command = "${after}"
    RunsOnClient = yes
    RunsWhen = After
    FailJobOnError = no
  }
`

const directorConfig = (
  dir: string,
  ports: Ports,
  passwords: Passwords,
  bag: Record<string, string>,
  noop: string,
) => {
  const scripts = scriptCommands(bag, noop)
  const files = (bag.fileset ?? "").split(",").filter((path) => path !== "")
  return `Director {
  Name = ${directorName}
  DIRport = ${ports.dir}
  DirAddress = 127.0.0.1
  QueryFile = "${join(root, "etc/bacula/scripts/query.sql")}"
  WorkingDirectory = "${dir}"
  PidDirectory = "${dir}"
  Maximum Concurrent Jobs = 20
  Password = "${passwords.dir}"
  Messages = charm-daemon-messages
}
Storage {
  Name = charm-file-storage
  Address = 127.0.0.1
  SDPort = ${ports.sd}
  Password = "${passwords.sd}"
  Device = charm-file-storage
  Media Type = File
}
Pool {
  Name = charm-pool
  Pool Type = Backup
  Recycle = yes
  AutoPrune = yes
  Maximum Volume Jobs = 1
  Volume Retention = 1 year
  Label Format = "test-vol-\${Year}\${Month:p/2/0/r}\${Day:p/2/0/r}-\${Job}-\${NumVols}"
}
Catalog {
  Name = charm-catalog
  dbname = "bacula"
  dbuser = "bacula"
  dbpassword = ""
}
# As bacula-server's, and into the catalog too: each job's messages, for \`list joblog\`.
Messages {
  Name = charm-daemon-messages
  console = all, !skipped, !saved
  append = "${join(dir, "bacula.log")}" = all, !skipped
  catalog = all, !skipped
}
FileSet {
  Name = "${clientName}-fileset"
  Include {
    Options {
      Signature = SHA256
      Compression = GZIP
    }
${files.map((path) => `    File = ${path}\n`).join("")}  }
}
Client {
  Name = "${clientName}-fd"
  Address = "127.0.0.1"
  FDPort = ${ports.fd}
  Catalog = charm-catalog
  Password = "${passwords.fd}"
  File Retention = 1 year
  Job Retention = 1 year
  AutoPrune = yes
}
Job {
  Name = "${backupJob}"
  Type = Backup
  Client = "${clientName}-fd"
  FileSet = "${clientName}-fileset"
  Storage = charm-file-storage
  Messages = charm-daemon-messages
  Pool = charm-pool
${runScripts(scripts.beforeBackup, scripts.afterBackup)}}
Job {
  Name = "${restoreJob}"
  Type = Restore
  Client = "${clientName}-fd"
  FileSet = "${clientName}-fileset"
  Storage = charm-file-storage
  Messages = charm-daemon-messages
  Pool = charm-pool
  Where = /
  Replace = IfNewer
${runScripts(scripts.beforeRestore, scripts.afterRestore)}}
`
}

const storageConfig = (dir: string, ports: Ports, passwords: Passwords) => `Storage {
  Name = charm-bacula-sd
  SDPort = ${ports.sd}
  SDAddress = 127.0.0.1
  WorkingDirectory = "${dir}"
  Pid Directory = "${dir}"
  Maximum Concurrent Jobs = 20
}
Device {
  Name = charm-file-storage
  Media Type = File
  Device Type = File
  Archive Device = "${join(dir, "archive")}"
  LabelMedia = yes
  Random Access = yes
  AutomaticMount = yes
  RemovableMedia = no
  AlwaysOpen = no
}
Director {
  Name = ${directorName}
  Password = "${passwords.sd}"
}
Messages {
  Name = Standard
  director = ${directorName} = all
}
`

// As bacula-fd's template, with the Director's name where the template has client1-dir, and
// without its `!verified`, a message type Bacula 9.6 refuses ("message type: verified not found").
const fileDaemonConfig = (dir: string, ports: Ports, passwords: Passwords) => `Director {
  Name = ${directorName}
  Password = "${passwords.fd}"
}
FileDaemon {
  Name = ${clientName}
  FDport = ${ports.fd}
  FDAddress = 127.0.0.1
  WorkingDirectory = "${dir}"
  Pid Directory = "${dir}"
  Maximum Concurrent Jobs = 20
}
Messages {
  Name = Standard
  director = ${directorName} = all, !skipped, !restored, !saved
}
`

const consoleConfig = (ports: Ports, passwords: Passwords) => `Director {
  Name = ${directorName}
  DIRport = ${ports.dir}
  Address = 127.0.0.1
  Password = "${passwords.dir}"
}
`

interface Daemon {
  readonly name: string
  readonly port: number
  readonly process: ChildProcess
  /** Where its stdout and stderr go. */
  readonly output: string
}

/** The three daemons, started; stop() ends them whatever state they are in. */
export class BaculaSite {
  /** The site's working directory: configurations, catalog, volumes, logs. */
  readonly dir: string
  private readonly daemons: ReadonlyArray<Daemon>

  private constructor(dir: string, daemons: ReadonlyArray<Daemon>) {
    this.dir = dir
    this.daemons = daemons
  }

  /**
   * Starts the Director, storage and file daemons as the current user, in the foreground, with
   * working directory `/` and stdin /dev/null, each behind `timeout` so that it ends by itself
   * even if the test process dies. The Director reads its configuration from `bag` once: as
   * bacula-server's, it does not see a later change until it is reloaded.
   */
  static async start(bag: Record<string, string>): Promise<BaculaSite> {
    const dir = mkdtempSync(join(tmpdir(), "bacula-e2e-"))
    const [dirPort, sdPort, fdPort] = (await freePorts(3)) as [number, number, number]
    const ports = { dir: dirPort, sd: sdPort, fd: fdPort }
    const secret = () => randomBytes(16).toString("hex")
    const passwords = { dir: secret(), sd: secret(), fd: secret() }
    // bacula-fd's stand-in for a script it was not given: a script that does nothing.
    const noop = join(dir, "noop")
    writeFileSync(noop, "#!/bin/sh\n", { mode: 0o755 })
    mkdirSync(join(dir, "archive"))
    writeFileSync(join(dir, "bacula-dir.conf"), directorConfig(dir, ports, passwords, bag, noop))
    writeFileSync(join(dir, "bacula-sd.conf"), storageConfig(dir, ports, passwords))
    writeFileSync(join(dir, "bacula-fd.conf"), fileDaemonConfig(dir, ports, passwords))
    writeFileSync(join(dir, "bconsole.conf"), consoleConfig(ports, passwords))
    // The catalog: the tables Debian's bacula-director-sqlite3 creates, where the Director
    // opens its sqlite3 catalog, <working directory>/<dbname>.db.
    const catalog = new DatabaseSync(join(dir, "bacula.db"))
    catalog.exec(readFileSync(catalogSql, "utf8"))
    catalog.close()

    const daemons = [
      { name: "bacula-sd", port: ports.sd },
      { name: "bacula-fd", port: ports.fd },
      { name: "bacula-dir", port: ports.dir },
    ].map(({ name, port }) => {
      const output = join(dir, `${name}.out`)
      const fd = openSync(output, "w")
      const child = spawn(
        "timeout",
        ["-k", "5", String(lifetimeSeconds), join(sbin, name), "-f", "-c", join(dir, `${name}.conf`)],
        {
          cwd: "/",
          env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LD_LIBRARY_PATH: libraryPath },
          stdio: ["ignore", fd, fd],
        },
      )
      closeSync(fd)
      return { name, port, process: child, output }
    })
    const site = new BaculaSite(dir, daemons)
    try {
      for (const daemon of daemons) await site.listening(daemon)
    } catch (error) {
      await site.stop()
      throw error
    }
    return site
  }

  private async listening(daemon: Daemon) {
    const deadline = Date.now() + 30_000
    while (!listensOn(daemon.port)) {
      if (daemon.process.exitCode !== null || Date.now() > deadline)
        throw new Error(`${daemon.name} did not listen on ${daemon.port}: ${this.outputOf(daemon.output)}`)
      await sleep(100)
    }
  }

  private outputOf(file: string): string {
    return existsSync(file) ? readFileSync(file, "utf8") : ""
  }

  /** What the daemons printed, and the Director's log: for a failing test's message. */
  diagnostics(): string {
    return [...this.daemons.map(({ output }) => output), join(this.dir, "bacula.log")]
      .map((file) => `--- ${file}\n${this.outputOf(file)}`)
      .join("\n")
  }

  /** Runs bconsole commands, one a line, and returns what it printed. */
  console(commands: ReadonlyArray<string>): string {
    const result = spawnSync(join(sbin, "bconsole"), ["-n", "-c", join(this.dir, "bconsole.conf")], {
      input: `${commands.join("\n")}\nquit\n`,
      encoding: "utf8",
      env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LD_LIBRARY_PATH: libraryPath },
      timeout: 60_000,
    })
    if (result.status !== 0)
      throw new Error(`bconsole failed (${result.status}): ${result.stdout}${result.stderr}`)
    return result.stdout
  }

  /** Starts the backup job now, as the Director's schedule would; returns its JobId. */
  startBackup(): number {
    return this.queued(this.console([`run job=${backupJob} level=Full yes`]))
  }

  /** Runs the backup job now and waits for its end. */
  backup(): Promise<JobEnd> {
    return this.end(this.startBackup())
  }

  /** Restores everything of the backup `jobId` with the restore job, and waits for its end. */
  restore(jobId: number): Promise<JobEnd> {
    return this.end(
      this.queued(this.console([`restore jobid=${jobId} restorejob=${restoreJob} all done yes`])),
    )
  }

  private queued(output: string): number {
    const queued = /Job queued\. JobId=(\d+)/.exec(output)
    if (queued === null) throw new Error(`no job queued: ${output}`)
    return Number(queued[1])
  }

  /** Polls the catalog through bconsole until the job has ended (bounded, generously). */
  async end(jobId: number): Promise<JobEnd> {
    const deadline = Date.now() + jobBoundMs
    for (;;) {
      const listed = this.console([`llist jobid=${jobId}`])
      const status = /^\s*jobstatus: (\S)/im.exec(listed)?.[1]
      if (status !== undefined && endStatuses.has(status)) {
        const errors = Number(/^\s*joberrors: (\d+)/im.exec(listed)?.[1] ?? Number.NaN)
        return { jobId, status, errors, log: this.console([`llist joblog jobid=${jobId}`]) }
      }
      if (Date.now() > deadline)
        throw new Error(
          `job ${jobId} did not end within ${jobBoundMs / 1000}s: ${listed}\n${this.diagnostics()}`,
        )
      await sleep(250)
    }
  }

  /**
   * Ends one daemon at once (SIGKILL to its process group), as a crashed or unreachable
   * storage daemon would be to a job under way.
   */
  async kill(name: "bacula-sd" | "bacula-fd" | "bacula-dir"): Promise<void> {
    const daemon = this.daemons.find((candidate) => candidate.name === name)
    const child = daemon?.process
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    process.kill(-(child.pid as number), "SIGKILL")
    await exited
  }

  /**
   * Ends every daemon at once, with SIGKILL to its process group (timeout(1) leads one: the
   * daemon and whatever it started), and deletes the site. Nothing of it is kept.
   */
  async stop(): Promise<void> {
    await Promise.all(
      this.daemons.map(async ({ process: child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return
        const exited = new Promise<void>((done) => child.once("exit", () => done()))
        process.kill(-(child.pid as number), "SIGKILL")
        await exited
      }),
    )
    rmSync(this.dir, { recursive: true, force: true })
  }
}
