import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import { InvalidMetricsDirectory } from "./failures.ts"

/** Where Debian and Ubuntu's prometheus-node-exporter reads `*.prom` files (its `--help`). */
export const defaultMetricsDirectory = "/var/lib/prometheus/node-exporter"

/**
 * Where opentelemetry-collector's node-exporter snap reads them (the charm's
 * src/constants.py, NODE_EXPORTER_TEXTFILE_DIRECTORY): written too, when it exists.
 */
export const snapMetricsDirectory = "/var/snap/node-exporter/common/textfile-collector.d"

/** The application's file in each directory (node_exporter reads every `*.prom` there). */
export const metricsFileName = (appName: string): string => `backup-integrator-${appName}.prom`

/**
 * `metrics-directory`: an absolute path of printable characters, without `.` or `..`
 * segments (the runner, as root, writes one file there). Unset or blank: undefined, the default.
 */
export const parseMetricsDirectory = (
  value: string | undefined,
): Result.Result<string | undefined, InvalidMetricsDirectory> => {
  const path = value?.trim() ?? ""
  if (path === "") return Result.succeed(undefined)
  const segments = path.split("/").slice(1)
  return path.startsWith("/") &&
    path.length <= 4096 &&
    !/[\p{Cc}\p{Cf}]/u.test(path) &&
    segments.every((segment) => segment !== "." && segment !== "..")
    ? Result.succeed(path.replace(/\/+/g, "/").replace(/(.)\/$/, "$1"))
    : Result.fail(new InvalidMetricsDirectory())
}

/**
 * The textfile directories the runner writes in: `metrics-directory` (or Debian's) and the
 * snap's. The machine's own paths are taken below the parent of `optDir` when the tests put
 * `/opt` elsewhere (src/domain/juju-environment.ts), as `/opt` is below `/`: a test never
 * writes into a real exporter's directory.
 */
export const metricsDirectoriesOf = (option: string | undefined, optDir: string): ReadonlyArray<string> => {
  const root = optDir === "/opt" ? "" : optDir.slice(0, optDir.lastIndexOf("/"))
  return [option ?? `${root}${defaultMetricsDirectory}`, `${root}${snapMetricsDirectory}`]
}

/**
 * metrics-directories.json, which the runner keeps (src/runner/textfiles.py): the directories
 * it wrote the metrics file in, deleted from there when no longer listed.
 */
export const KeptMetricsDirectories = Schema.Struct({ directories: Schema.Array(Schema.String) })
export type KeptMetricsDirectories = typeof KeptMetricsDirectories.Type

/** The kept directories no longer among `listed`: the runner still has a file to delete there. */
export const unlistedKept = (
  kept: KeptMetricsDirectories,
  listed: ReadonlyArray<string>,
): ReadonlyArray<string> => kept.directories.filter((directory) => !listed.includes(directory))
