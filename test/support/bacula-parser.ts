// Bacula's own configuration parser (bdirjson from Debian's bacula-director, unpacked by
// scripts/fetch-bacula.sh): what bacula-server's Director reads of a published fileset.
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const root = resolve("build/bacula")
const bdirjson = join(root, "usr/sbin/bdirjson")

/** Whether the parser is there; the tests that need it say how to get it when it is not. */
export const baculaParserMissing = existsSync(bdirjson)
  ? undefined
  : `Bacula's parser is not at ${bdirjson}: run bash scripts/test-setup.sh (npm test does)`

/**
 * A minimal valid Director configuration whose FileSet holds `paths` as bacula-server writes
 * them: one unquoted `File = <path>` line each, in an Include block.
 */
export const directorConfig = (paths: ReadonlyArray<string>): string => `Director {
  Name = test-dir
  Password = "x"
  QueryFile = "/dev/null"
  Messages = Daemon
  WorkingDirectory = "/tmp"
  PidDirectory = "/tmp"
}
Messages {
  Name = Daemon
}
Catalog {
  Name = MyCatalog
  dbname = "bacula"; dbuser = "bacula"; dbpassword = ""
}
FileSet {
  Name = "tenant"
  Include {
    Options {
      signature = MD5
    }
${paths.map((path) => `    File = ${path}\n`).join("")}  }
}
Job {
  Name = backup-tenant
  Type = Backup
  Client = tenant-fd
  FileSet = tenant
  Storage = storage
  Pool = pool
  Messages = Daemon
}
Client {
  Name = tenant-fd
  Address = localhost
  Password = "x"
  Catalog = MyCatalog
}
Storage {
  Name = storage
  Address = localhost
  Password = "x"
  Device = device
  Media Type = File
}
Pool {
  Name = pool
  Pool Type = Backup
}
`

/** What the Director reads: the File list of every FileSet, or why it refused the configuration. */
export type DirectorReading =
  | { readonly filesets: Record<string, ReadonlyArray<string>> }
  | { readonly refused: string }

/** Runs Bacula's parser on `config`. */
export const readDirectorConfig = (config: string): DirectorReading => {
  const dir = mkdtempSync(join(tmpdir(), "bacula-dir-"))
  try {
    const file = join(dir, "bacula-dir.conf")
    writeFileSync(file, config)
    const result = spawnSync(bdirjson, ["-c", file, "-r", "FileSet"], {
      encoding: "utf8",
      env: {
        LD_LIBRARY_PATH: [
          join(root, "usr/lib/bacula"),
          join(root, "usr/lib", `${process.arch === "arm64" ? "aarch64" : "x86_64"}-linux-gnu`),
        ].join(":"),
      },
    })
    if (result.status !== 0) return { refused: `${result.stdout}${result.stderr}`.trim() }
    const parsed = JSON.parse(result.stdout) as ReadonlyArray<{
      Fileset: { Name: string; Include?: ReadonlyArray<{ File?: ReadonlyArray<string> }> }
    }>
    return {
      filesets: Object.fromEntries(
        parsed.map(({ Fileset }) => [
          Fileset.Name,
          (Fileset.Include ?? []).flatMap(({ File }) => File ?? []),
        ]),
      ),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The File list the Director reads from a fileset rendered as bacula-server renders it. */
export const readBackFileset = (paths: ReadonlyArray<string>): DirectorReading =>
  readDirectorConfig(directorConfig(paths))
