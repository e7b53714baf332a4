import type { Kysely } from 'kysely'
import { type AuditService, SYSTEM_ACTOR } from '../audit/audit.service.js'
import type { DatabasesService } from '../databases/databases.service.js'
import type { DB, DbBackupRunTable } from '../db/schema.js'
import { nowIso } from '../db/time.js'
import { NotFoundError } from '../errors.js'
import {
  failUnfinished,
  insertRunLogBatch,
  lastLogSeq,
  possiblyAbandonedRuns,
  type RunOwner,
} from './database-backups.repo.js'
import type { BackupOutcome } from './runs.service.js'

export const INTERRUPTED_RUN = 'Berth stopped during this run'
/** Running runs are vouched for this often; another process recovers them once silent for STALE_AFTER_MS. */
export const HEARTBEAT_MS = 5000
const STALE_AFTER_MS = 30_000

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  databases: Pick<DatabasesService, 'backupTarget'>
  onFinished?: (trx: Kysely<DB>, outcome: BackupOutcome) => Promise<void>
  owner: RunOwner
}

/** Whether a process of this machine still runs; our own pid only for runs this process runs (checked by the caller). */
function processAlive(pid: number | null): boolean {
  if (pid === null || pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs under another user, so it is alive.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** What the notification of a run names: its database (its id once deleted), or a service's volume. */
async function namedInNotification(
  deps: Deps,
  run: DbBackupRunTable,
): Promise<{ name: string; projectId: string | null }> {
  if (run.volume !== null) return { name: `${run.database_id} volume ${run.volume}`, projectId: null }
  try {
    const target = await deps.databases.backupTarget(run.team_id, run.database_id)
    return { name: target.name, projectId: target.projectId }
  } catch (error) {
    if (error instanceof NotFoundError) return { name: run.database_id, projectId: null }
    throw error
  }
}

/**
 * Runs nobody runs any more fail with a line saying so, their notification and an audit row, so
 * nothing stays in progress forever: this data dir's runs whose process is gone (a Berth killed
 * mid-run, or its earlier life), and any process's runs once its heartbeats stopped. `active`:
 * the runs this process is executing. Answers how many it ended.
 */
export async function recoverInterruptedRuns(deps: Deps, active: ReadonlySet<string>): Promise<number> {
  const { db, owner } = deps
  const staleBefore = new Date(Date.now() - STALE_AFTER_MS).toISOString()
  let recovered = 0
  for (const run of await possiblyAbandonedRuns(db, owner.workerId, staleBefore)) {
    if (active.has(run.id)) continue
    const stale = run.heartbeat_at === null || run.heartbeat_at < staleBefore
    const ownDead = run.claimed_by === owner.workerId && !processAlive(run.process_id)
    if (run.status === 'in_progress' && !stale && !ownDead) continue
    const database = await namedInNotification(deps, run)
    const seq = (await lastLogSeq(db, run.id)) + 1
    const finished = await db.transaction().execute(async (trx) => {
      // Another process recovered it first, or it ended meanwhile.
      if (!(await failUnfinished(trx, run.id, INTERRUPTED_RUN))) return false
      const what = run.kind === 'backup' ? 'Backup' : 'Restore'
      await insertRunLogBatch(trx, [run.id, seq, nowIso(), 'berth', `${what} failed: ${INTERRUPTED_RUN}`, 0])
      await deps.onFinished?.(trx, {
        run: { ...run, status: 'failed', message: INTERRUPTED_RUN },
        databaseName: database.name,
        projectId: database.projectId,
        message: INTERRUPTED_RUN,
      })
      await deps.audit.record(
        trx,
        { ...SYSTEM_ACTOR, teamId: run.team_id },
        {
          action: 'database_backup.interrupted',
          resourceType: 'database',
          resourceId: run.database_id,
          details: { run_id: run.id, kind: run.kind },
        },
      )
      return true
    })
    if (finished) recovered++
  }
  return recovered
}
