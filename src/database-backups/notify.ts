import type { NotificationsService } from '../notifications/notifications.service.js'
import type { BackupOutcome } from './runs.service.js'

/** The runs' outcome hook: `backup.failed` / `backup.succeeded` to the team's subscribed channels. */
export function backupNotifier(notifications: Pick<NotificationsService, 'notify'>) {
  return async (trx: Parameters<NotificationsService['notify']>[0], o: BackupOutcome) => {
    const failed = o.run.status === 'failed'
    const what = `${o.run.kind === 'backup' ? (o.run.trigger === 'safety' ? 'Safety backup' : 'Backup') : 'Restore'} of ${o.run.volume === null ? 'database ' : 'service '}${o.databaseName}`
    const summary = `${what} ${failed ? 'failed' : 'succeeded'}`
    const details = failed
      ? o.message
      : o.run.size_bytes !== null
        ? `${o.run.size_bytes} bytes, sha256 ${o.run.sha256}, verified by reading it back`
        : o.message
    await notifications.notify(trx, {
      teamId: o.run.team_id,
      event: failed ? 'backup.failed' : 'backup.succeeded',
      projectId: o.projectId,
      // Grouped per database: a failing schedule sends one message a minute at most.
      resourceKey: `database:${o.run.database_id}`,
      summary,
      details: [details],
      path: `/databases/${o.run.database_id}/backups`,
      subject: { database: { id: o.run.database_id, name: o.databaseName }, run: { id: o.run.id, kind: o.run.kind } },
    })
  }
}
