import { type BackupCheck, backupDeadline, type UnitStatus } from "./unit-status.ts"

/**
 * The next instant (ms since 1970) after `backups.now` at which the unit's status may change
 * by itself, with no event and nothing on disk changing; undefined when none is ahead. Every
 * status that changes with the time enters here (today: the last backup growing older than
 * `backup-max-age`), so that update-status, which ends in `dispatch` until then
 * (src/domain/update-status-memo.ts), wakes for each.
 */
export const nextStatusChange = ({
  reconciled,
  backups,
}: {
  readonly reconciled: UnitStatus
  readonly backups: BackupCheck
}): number | undefined => {
  const ahead = [reconciled.status === "active" ? backupDeadline(backups) : undefined].filter(
    (instant): instant is number => instant !== undefined && instant > backups.now,
  )
  return ahead.length === 0 ? undefined : Math.min(...ahead)
}
