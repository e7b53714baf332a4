import type { NotificationsService } from '../notifications/notifications.service.js'
import { INSTANCE_TEAM_ID } from '../deployments/deployments.service.js'
import type { BackupView } from './backup.service.js'

/** Berth's own backups' outcome hook: `backup.failed` / `backup.succeeded` to the instance's channels. */
export function ownBackupNotifier(notifications: Pick<NotificationsService, 'notify'>) {
  return async (trx: Parameters<NotificationsService['notify']>[0], backup: BackupView) => {
    const failed = backup.status === 'failed'
    await notifications.notify(trx, {
      teamId: INSTANCE_TEAM_ID,
      event: failed ? 'backup.failed' : 'backup.succeeded',
      projectId: null,
      // Grouped: a failing schedule sends one message a minute at most.
      resourceKey: 'backup:berth',
      summary: `Backup of Berth's own database ${failed ? 'failed' : 'succeeded'}`,
      details: [
        failed
          ? `Error: ${backup.error}`
          : `${backup.file_name}: ${backup.size_bytes} bytes, sha256 ${backup.sha256}, verified by reading it back`,
        `Started by: ${backup.trigger}`,
      ],
      path: '/backups',
      subject: { backup: { id: backup.id, file: backup.file_name } },
    })
  }
}
