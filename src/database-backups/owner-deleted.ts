import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { DB } from '../db/schema.js'
import { deleteJob, jobOwnerType, jobsOfOwners } from './database-backups.repo.js'

export type BackupJobsOfDeleted = ReturnType<typeof createBackupJobsOfDeleted>

/**
 * Deleting a database, a service or a project deletes the backup jobs of what goes (database jobs
 * and volume jobs), inside the deleting transaction, one audit row per job: a job left behind
 * would fail at every tick. Its runs and their artifacts stay, listed and downloadable.
 * Built before the services that delete (they call it), so it needs nothing but the audit log.
 */
export function createBackupJobsOfDeleted({ audit }: { audit: Pick<AuditService, 'record'> }) {
  return {
    async removeJobsOf(trx: Kysely<DB>, ownerIds: string[], actor: Actor) {
      for (const job of await jobsOfOwners(trx, ownerIds)) {
        await deleteJob(trx, job.id)
        await audit.record(trx, actor, {
          action: 'database_backup_job.deleted',
          resourceType: jobOwnerType(job),
          resourceId: job.database_id,
          details: { job_id: job.id, volume: job.volume, reason: 'resource_deleted' },
        })
      }
    },
  }
}
