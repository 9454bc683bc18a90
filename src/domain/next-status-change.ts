import { type BackupCheck, backupDeadline, type UnitStatus } from "./unit-status.ts"

/**
 * The next instant (ms since 1970) after `backups.now` at which the unit's status may change
 * by itself, with no event and nothing on disk changing; undefined when none is ahead. Every
 * status that changes with the time enters here, so that update-status, which ends in
 * `dispatch` until then (src/domain/update-status-memo.ts), wakes for each: the last backup
 * growing older than `backup-max-age`, a job's result falling due, a future time of the
 * runner's ceasing to be one. Only an active status changes so: any other names what to fix.
 */
export const nextStatusChange = ({
  reconciled,
  backups,
}: {
  readonly reconciled: UnitStatus
  readonly backups: BackupCheck
}): number | undefined => {
  if (reconciled.status !== "active") return undefined
  const ahead = [
    backupDeadline(backups),
    ...backups.unanswered.map(({ due }) => Date.parse(due)),
    backups.lastBackup === null ? undefined : Date.parse(backups.lastBackup),
  ].filter((instant): instant is number => instant !== undefined && instant > backups.now)
  return ahead.length === 0 ? undefined : Math.min(...ahead)
}
