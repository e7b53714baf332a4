import type { NotificationsService } from '../notifications/notifications.service.js'
import type { BackupOutcome } from './runs.service.js'

/** The runs' outcome hook: `backup.failed` / `backup.succeeded` to the team's subscribed channels. */
export function backupNotifier(notifications: Pick<NotificationsService, 'notifyTeam'>) {
  return async (trx: Parameters<NotificationsService['notifyTeam']>[0], o: BackupOutcome) => {
    const failed = o.run.status === 'failed'
    const what = `${o.run.kind === 'backup' ? (o.run.trigger === 'safety' ? 'Safety backup' : 'Backup') : 'Restore'} of database ${o.databaseName}`
    const summary = `${what} ${failed ? 'failed' : 'succeeded'}`
    const details = failed
      ? o.message
      : o.run.size_bytes !== null
        ? `${o.run.size_bytes} bytes, sha256 ${o.run.sha256}, verified by reading it back`
        : o.message
    await notifications.notifyTeam(trx, {
      teamId: o.run.team_id,
      event: failed ? 'backup.failed' : 'backup.succeeded',
      summary,
      text: `${summary}\n${details}`,
      linkPath: `/databases/${o.run.database_id}?tab=backups`,
    })
  }
}
