/** What `lstat` says of a path, as the program reads it through Effect's FileSystem. */
export interface FileStat {
  readonly type: string
  readonly mode: number
  readonly uid: number
  readonly gid: number
  readonly size: bigint
  readonly mtimeMs: number
  readonly ino: bigint
}

/**
 * A path as the last reconcile left it, the way git's index notices a change without
 * reading the file: a write changes its size or modification time, a rename its inode, a
 * chmod or chown its mode or owner. A directory's contents and times are left out (runs and
 * other units write there); a path that is missing is `absent`.
 */
export const fingerprintOf = (stat: FileStat | undefined): string => {
  if (stat === undefined) return "absent"
  const kept = `${stat.type}:${stat.mode.toString(8)}:${stat.uid}:${stat.gid}`
  return stat.type === "Directory" ? kept : `${kept}:${stat.size}:${stat.mtimeMs}:${stat.ino}`
}
