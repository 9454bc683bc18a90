// Plain TypeScript, no Effect: the code cache's loader (src/entry/code-cache.ts) uses it too.

/**
 * The most a file the charm reads back may hold (a run record, the unit's record, runner.json):
 * the runner keeps 4 KiB of output, the others hold a few paths. Anything larger is not one.
 */
export const maxRecordBytes = 64 * 1024

/** What `fstat` says of an open file, as far as trusting it goes. */
export interface OpenedFile {
  readonly regular: boolean
  readonly uid: number
  readonly mode: number
  readonly size: number
}

/**
 * Whether a file the charm reads back is one it or its runner made: a regular file (a FIFO
 * would block the read, a device is not a record), owned by this user (root under Juju, as
 * bacula-fd runs the runner), that no one else may write, and no larger than `maxBytes`. A
 * file another local user planted, before the charm took the directory over, fails.
 */
export const isTrusted = (file: OpenedFile, uid: number, maxBytes: number): boolean =>
  file.regular && file.uid === uid && (file.mode & 0o022) === 0 && file.size <= maxBytes
