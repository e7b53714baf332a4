import type { Kysely } from 'kysely'
import type {
  DB,
  DbBackupDestinationTable,
  DbBackupJobTable,
  DbBackupRunStatus,
  DbBackupRunTable,
  LogStream,
} from '../db/schema.js'
import { LOG_COLUMNS, type LogCell } from '../deployments/deployments.repo.js'
import { nowIso } from '../db/time.js'

// --- destinations -------------------------------------------------------------------------------

export async function insertDestination(db: Kysely<DB>, row: DbBackupDestinationTable) {
  await db.insertInto('db_backup_destinations').values(row).execute()
}

export async function findDestination(db: Kysely<DB>, teamId: string, id: string) {
  return db
    .selectFrom('db_backup_destinations')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('id', '=', id)
    .executeTakeFirst()
}

export async function listDestinations(db: Kysely<DB>, teamId: string) {
  return db.selectFrom('db_backup_destinations').selectAll().where('team_id', '=', teamId).orderBy('name').execute()
}

export async function destinationNameTaken(db: Kysely<DB>, teamId: string, name: string) {
  const row = await db
    .selectFrom('db_backup_destinations')
    .select('id')
    .where('team_id', '=', teamId)
    .where('name', '=', name)
    .executeTakeFirst()
  return row !== undefined
}

export async function deleteDestination(db: Kysely<DB>, id: string) {
  await db.deleteFrom('db_backup_destinations').where('id', '=', id).execute()
}

export async function destinationInUse(db: Kysely<DB>, id: string) {
  const row = await db.selectFrom('db_backup_jobs').select('id').where('destination_id', '=', id).executeTakeFirst()
  return row !== undefined
}

// --- jobs ---------------------------------------------------------------------------------------

export async function insertJob(db: Kysely<DB>, row: DbBackupJobTable) {
  await db.insertInto('db_backup_jobs').values(row).execute()
}

export async function updateJob(db: Kysely<DB>, id: string, changes: Partial<DbBackupJobTable>) {
  await db.updateTable('db_backup_jobs').set(changes).where('id', '=', id).execute()
}

export async function findJob(db: Kysely<DB>, teamId: string, id: string) {
  return db
    .selectFrom('db_backup_jobs')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('id', '=', id)
    .executeTakeFirst()
}

/** A database's jobs, or (`volumes`) the volume jobs of a service. */
export async function listJobs(db: Kysely<DB>, ownerId: string, volumes: boolean) {
  return db
    .selectFrom('db_backup_jobs')
    .selectAll()
    .where('database_id', '=', ownerId)
    .where('volume', volumes ? 'is not' : 'is', null)
    .orderBy('created_at')
    .execute()
}

/** Every enabled job with a schedule, for the scheduler. */
export async function scheduledJobs(db: Kysely<DB>) {
  return db
    .selectFrom('db_backup_jobs')
    .selectAll()
    .where('enabled', '=', 1)
    .where('schedule', 'is not', null)
    .execute()
}

/** Every job of these databases and services (volume jobs included). */
export async function jobsOfOwners(db: Kysely<DB>, ownerIds: string[]) {
  if (ownerIds.length === 0) return []
  return db
    .selectFrom('db_backup_jobs')
    .selectAll()
    .where('database_id', 'in', ownerIds)
    .orderBy('created_at')
    .execute()
}

export async function deleteJob(db: Kysely<DB>, id: string) {
  await db.deleteFrom('db_backup_jobs').where('id', '=', id).execute()
}

// --- runs ---------------------------------------------------------------------------------------

export async function insertRun(db: Kysely<DB>, row: DbBackupRunTable) {
  await db.insertInto('db_backup_runs').values(row).execute()
}

export async function findRun(db: Kysely<DB>, teamId: string, id: string) {
  return db
    .selectFrom('db_backup_runs')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('id', '=', id)
    .executeTakeFirst()
}

export async function listRuns(db: Kysely<DB>, teamId: string, databaseId: string, limit: number) {
  return db
    .selectFrom('db_backup_runs')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('database_id', '=', databaseId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute()
}

/** The team's most recent finished backups, newest first (the dashboard takes each database's first). */
export async function recentFinishedBackups(db: Kysely<DB>, teamId: string, limit: number) {
  return db
    .selectFrom('db_backup_runs')
    .select(['id', 'database_id', 'status', 'message', 'finished_at', 'created_at'])
    .where('team_id', '=', teamId)
    .where('kind', '=', 'backup')
    .where('status', 'in', ['succeeded', 'failed'])
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute()
}

/**
 * Inserts a scheduled run unless its tick already has one: the (job_id, slot) key is unique, so of
 * several Berth processes firing the same tick exactly one inserts (on PostgreSQL the others wait
 * for its commit and then insert nothing). True when this call inserted it.
 */
/**
 * Inserts a new run; false when it is a scheduled tick (a slot) that another process already took,
 * so each tick runs once across processes.
 */
export async function insertRunOnce(db: Kysely<DB>, row: DbBackupRunTable) {
  if (row.slot === null) {
    await insertRun(db, row)
    return true
  }
  const result = await db
    .insertInto('db_backup_runs')
    .values(row)
    .onConflict((oc) => oc.columns(['job_id', 'slot']).doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1
}

/** The owner a job's audit rows name: the database, or for a volume job the service. */
export function jobOwnerType(job: Pick<DbBackupJobTable, 'volume'>): 'database' | 'service' {
  return job.volume === null ? 'database' : 'service'
}

/** Who runs a claimed run: the data dir's worker id and the process. */
export type RunOwner = { workerId: string; processId: number }

/** Moves a queued run to in_progress under its owner; false when another process claimed it first. */
export async function claimRun(db: Kysely<DB>, id: string, owner: RunOwner) {
  const now = nowIso()
  const result = await db
    .updateTable('db_backup_runs')
    .set({
      status: 'in_progress',
      started_at: now,
      claimed_by: owner.workerId,
      process_id: owner.processId,
      heartbeat_at: now,
    })
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Tells other processes these runs are still running here. */
export async function heartbeatRuns(db: Kysely<DB>, ids: string[]) {
  if (ids.length === 0) return
  await db
    .updateTable('db_backup_runs')
    .set({ heartbeat_at: nowIso() })
    .where('id', 'in', ids)
    .where('status', '=', 'in_progress')
    .execute()
}

/**
 * Runs that may have lost their process: those of this worker id (the caller checks their process),
 * those whose heartbeats stopped before `staleBefore`, and queued ones nobody claimed since then.
 */
export async function possiblyAbandonedRuns(db: Kysely<DB>, workerId: string, staleBefore: string) {
  return db
    .selectFrom('db_backup_runs')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb.and([
          eb('status', '=', 'in_progress'),
          eb.or([eb('claimed_by', '=', workerId), eb('claimed_by', 'is', null), eb('heartbeat_at', '<', staleBefore)]),
        ]),
        eb.and([eb('status', '=', 'queued'), eb('created_at', '<', staleBefore)]),
      ]),
    )
    .execute()
}

/** Fails a run that is still queued or running; false when it ended (or was recovered) meanwhile. */
export async function failUnfinished(db: Kysely<DB>, id: string, message: string) {
  const result = await db
    .updateTable('db_backup_runs')
    .set({ status: 'failed', message, finished_at: nowIso() })
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'in_progress'])
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function finishRun(
  db: Kysely<DB>,
  id: string,
  outcome: { status: Extract<DbBackupRunStatus, 'succeeded' | 'failed'> } & Partial<DbBackupRunTable>,
) {
  await db
    .updateTable('db_backup_runs')
    .set({ ...outcome, finished_at: nowIso() })
    .where('id', '=', id)
    .execute()
}

/** Succeeded backups of a job whose artifact is still stored, newest first. */
export async function keptBackups(db: Kysely<DB>, jobId: string) {
  return db
    .selectFrom('db_backup_runs')
    .selectAll()
    .where('job_id', '=', jobId)
    .where('kind', '=', 'backup')
    .where('status', '=', 'succeeded')
    .where('pruned_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute()
}

export async function markPruned(db: Kysely<DB>, id: string) {
  await db.updateTable('db_backup_runs').set({ pruned_at: nowIso() }).where('id', '=', id).execute()
}

// --- run log lines (same columns and writer as deployment logs) -----------------------------------

export async function insertRunLogBatch(db: Kysely<DB>, cells: LogCell[]) {
  const rows = []
  for (let at = 0; at < cells.length; at += LOG_COLUMNS)
    rows.push({
      run_id: cells[at] as string,
      seq: cells[at + 1] as number,
      ts: cells[at + 2] as string,
      stream: cells[at + 3] as LogStream,
      output: cells[at + 4] as string,
      hidden: cells[at + 5] as number,
    })
  if (rows.length > 0) await db.insertInto('db_backup_run_logs').values(rows).execute()
}

/** The last stored line number of a run's log (0 when it has none). */
export async function lastLogSeq(db: Kysely<DB>, runId: string): Promise<number> {
  const row = await db
    .selectFrom('db_backup_run_logs')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('run_id', '=', runId)
    .executeTakeFirst()
  return Number(row?.seq ?? 0)
}

export async function runLogLines(db: Kysely<DB>, runId: string, afterSeq: number, limit?: number) {
  const query = db
    .selectFrom('db_backup_run_logs')
    .select(['seq', 'ts', 'stream', 'output'])
    .where('run_id', '=', runId)
    .where('seq', '>', afterSeq)
    .where('hidden', '=', 0)
    .orderBy('seq')
  return (limit === undefined ? query : query.limit(limit)).execute()
}
