import { Cron } from 'croner'
import type { Logger } from 'pino'
import { SYSTEM_ACTOR } from '../audit/audit.service.js'
import type { BackupService } from './backup.service.js'

/** Runs a backup, then prunes by retention, on the configured cron schedule, inside the server process. */
export function startBackupScheduler(deps: {
  backups: Pick<BackupService, 'create' | 'prune'>
  schedule: string | null
  retentionDays: number
  logger: Pick<Logger, 'error' | 'info'>
}): { stop(): void; nextRun(): Date | null } {
  if (!deps.schedule) return { stop: () => undefined, nextRun: () => null }
  const job = new Cron(deps.schedule, { protect: true }, async () => {
    try {
      const backup = await deps.backups.create('schedule', SYSTEM_ACTOR)
      // A failed backup never prunes: the old ones may be all that is left.
      if (backup.status === 'succeeded') await deps.backups.prune(deps.retentionDays, SYSTEM_ACTOR)
    } catch (error) {
      deps.logger.error({ err: error }, 'scheduled backup could not run')
    }
  })
  return { stop: () => job.stop(), nextRun: () => job.nextRun() }
}
