import { Cron } from 'croner'
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import { type Actor, type AuditService, SYSTEM_ACTOR } from '../audit/audit.service.js'
import type { DatabasesService } from '../databases/databases.service.js'
import type { DatabaseType, DB, DbBackupJobTable, DbBackupRunTrigger } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import { BadRequestError, NotFoundError, UnprocessableError } from '../errors.js'
import {
  deleteJob,
  findDestination,
  findJob,
  insertJob,
  jobOwnerType,
  listJobs,
  scheduledJobs,
  updateJob,
} from './database-backups.repo.js'
import type { RunsService } from './runs.service.js'
import { VERIFIABLE } from './verify-restore.js'
import type { VolumeDeps } from './volume-runs.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  logger: Pick<Logger, 'error' | 'warn'>
  databases: Pick<DatabasesService, 'backupTarget'>
  runs: Pick<RunsService, 'startBackup' | 'startVolumeBackup'>
  /** A compose service of the team (404 otherwise): volume jobs belong to one. */
  serviceOf: VolumeDeps['serviceOf']
}

export type JobInput = {
  destination_id: string
  schedule?: string | null
  keep_last?: number | null
  keep_days?: number | null
  encrypt?: boolean
  enabled?: boolean
  verify_restore?: boolean
}

/** A job of a compose service's named volume, tarred through a helper container of `helper_image`. */
export type VolumeJobInput = JobInput & { volume: string; helper_image: string }

export type JobsService = ReturnType<typeof createJobsService>

function jobView(row: DbBackupJobTable) {
  return {
    id: row.id,
    database_id: row.database_id,
    destination_id: row.destination_id,
    schedule: row.schedule,
    keep_last: row.keep_last,
    keep_days: row.keep_days,
    encrypt: row.encrypt === 1,
    enabled: row.enabled === 1,
    verify_restore: row.verify_restore === 1,
    volume: row.volume,
    helper_image: row.helper_image,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

/** Restoring into a throw-away server is built for some engines (verify-restore.ts). */
function assertVerifiable(type: DatabaseType | 'volume', verify: boolean | undefined) {
  if (verify && (type === 'volume' || !VERIFIABLE.includes(type)))
    throw new UnprocessableError(
      'verify_not_supported',
      `Verifying backups by a restore is available for ${VERIFIABLE.join(', ')} databases, not ${type === 'volume' ? 'volumes' : type}.`,
    )
}

function assertSchedule(schedule: string | null | undefined) {
  if (schedule === null || schedule === undefined) return
  try {
    new Cron(schedule, { paused: true }).stop()
  } catch (error) {
    throw new BadRequestError(
      'invalid_schedule',
      `"${schedule}" is not a valid cron expression: ${(error as Error).message}`,
    )
  }
}

// A job changed through another Berth process on the same database reaches this one's scheduler within this.
const RESYNC_MS = 10_000

/**
 * The scheduled time of the tick a cron fired for. Croner hands the callback the moment it fired
 * (a few milliseconds late, differently in each process), so the slot two processes claim for one
 * tick is the last scheduled time at or before that moment (the reference is exclusive, hence +1 ms).
 */
export function tickOf(cron: Cron, firedAt: Date): string {
  return (cron.previousRuns(1, new Date(firedAt.getTime() + 1))[0] ?? firedAt).toISOString()
}

/**
 * Backup jobs of a database (schedule, destination, retention, encryption) and the scheduler
 * that fires them. Every Berth process serving may run the scheduler: a tick is one run per job
 * (the run's slot is unique), whichever process records it first. Each tick re-reads its job, so
 * a job disabled or deleted through another process stops at once.
 */
export function createJobsService(deps: Deps) {
  const { db, audit, logger, databases, runs } = deps
  const crons = new Map<string, Cron>()
  let scheduling = false
  // What the crons were made from: rebuilt only when a job's schedule, state or settings changed.
  let scheduled = ''
  let resync: NodeJS.Timeout | undefined

  async function get(teamId: string, id: string) {
    const row = await findJob(db, teamId, id)
    if (!row) throw new NotFoundError(`Backup job ${id} not found.`)
    return row
  }

  /** Stores a job of `ownerId` (a database, or a service for a volume job) with its audit row. */
  async function insert(
    teamId: string,
    ownerId: string,
    input: JobInput & Partial<Pick<VolumeJobInput, 'volume' | 'helper_image'>>,
    actor: Actor,
  ) {
    assertSchedule(input.schedule)
    const now = nowIso()
    const row: DbBackupJobTable = {
      id: newId(),
      team_id: teamId,
      database_id: ownerId,
      destination_id: input.destination_id,
      schedule: input.schedule ?? null,
      keep_last: input.keep_last ?? null,
      keep_days: input.keep_days ?? null,
      encrypt: input.encrypt ? 1 : 0,
      enabled: input.enabled === false ? 0 : 1,
      verify_restore: input.verify_restore ? 1 : 0,
      volume: input.volume ?? null,
      helper_image: input.helper_image ?? null,
      created_at: now,
      updated_at: now,
    }
    await db.transaction().execute(async (trx) => {
      if (!(await findDestination(trx, teamId, input.destination_id)))
        throw new NotFoundError(`Backup destination ${input.destination_id} not found.`)
      await insertJob(trx, row)
      await audit.record(trx, actor, {
        action: 'database_backup_job.created',
        resourceType: jobOwnerType(row),
        resourceId: ownerId,
        details: { job_id: row.id, ...jobView(row) },
      })
    })
    await reschedule()
    return jobView(row)
  }

  async function create(teamId: string, databaseId: string, input: JobInput, actor: Actor) {
    assertVerifiable((await databases.backupTarget(teamId, databaseId)).type, input.verify_restore)
    return insert(teamId, databaseId, input, actor)
  }

  async function createForVolume(teamId: string, serviceId: string, input: VolumeJobInput, actor: Actor) {
    assertVerifiable('volume', input.verify_restore)
    await deps.serviceOf(teamId, serviceId)
    return insert(teamId, serviceId, input, actor)
  }

  async function update(teamId: string, id: string, input: Partial<JobInput>, actor: Actor) {
    assertSchedule(input.schedule)
    if (input.verify_restore) {
      const job = await get(teamId, id)
      assertVerifiable(
        job.volume === null ? (await databases.backupTarget(teamId, job.database_id)).type : 'volume',
        true,
      )
    }
    const row = await db.transaction().execute(async (trx) => {
      const current = await findJob(trx, teamId, id)
      if (!current) throw new NotFoundError(`Backup job ${id} not found.`)
      if (input.destination_id !== undefined && !(await findDestination(trx, teamId, input.destination_id)))
        throw new NotFoundError(`Backup destination ${input.destination_id} not found.`)
      const changes: Partial<DbBackupJobTable> = {
        ...(input.destination_id !== undefined && { destination_id: input.destination_id }),
        ...(input.schedule !== undefined && { schedule: input.schedule }),
        ...(input.keep_last !== undefined && { keep_last: input.keep_last }),
        ...(input.keep_days !== undefined && { keep_days: input.keep_days }),
        ...(input.encrypt !== undefined && { encrypt: input.encrypt ? 1 : 0 }),
        ...(input.enabled !== undefined && { enabled: input.enabled ? 1 : 0 }),
        ...(input.verify_restore !== undefined && { verify_restore: input.verify_restore ? 1 : 0 }),
        updated_at: nowIso(),
      }
      await updateJob(trx, id, changes)
      await audit.record(trx, actor, {
        action: 'database_backup_job.updated',
        resourceType: jobOwnerType(current),
        resourceId: current.database_id,
        details: { job_id: id, changes: { ...input } },
      })
      return { ...current, ...changes }
    })
    await reschedule()
    return jobView(row)
  }

  async function remove(teamId: string, id: string, actor: Actor) {
    await db.transaction().execute(async (trx) => {
      const current = await findJob(trx, teamId, id)
      if (!current) throw new NotFoundError(`Backup job ${id} not found.`)
      await deleteJob(trx, id)
      await audit.record(trx, actor, {
        action: 'database_backup_job.deleted',
        resourceType: jobOwnerType(current),
        resourceId: current.database_id,
        details: { job_id: id },
      })
    })
    await reschedule()
  }

  async function list(teamId: string, databaseId: string) {
    await databases.backupTarget(teamId, databaseId)
    return (await listJobs(db, databaseId, false)).map(jobView)
  }

  async function listForVolumes(teamId: string, serviceId: string) {
    await deps.serviceOf(teamId, serviceId)
    return (await listJobs(db, serviceId, true)).map(jobView)
  }

  function runJob(job: DbBackupJobTable, trigger: DbBackupRunTrigger, actor: Actor, slot?: string) {
    const retention = { keep_last: job.keep_last, keep_days: job.keep_days }
    if (job.volume !== null)
      return runs.startVolumeBackup(
        job.team_id,
        job.database_id,
        {
          volume: job.volume,
          destinationId: job.destination_id,
          helperImage: job.helper_image!,
          encrypt: job.encrypt === 1,
          jobId: job.id,
          slot,
          retention,
        },
        trigger,
        actor,
      )
    return runs.startBackup(
      job.team_id,
      job.database_id,
      {
        destinationId: job.destination_id,
        jobId: job.id,
        encrypt: job.encrypt === 1,
        trigger,
        slot,
        retention,
        verify: job.verify_restore === 1,
      },
      actor,
    )
  }

  /** Runs a job now (API, UI, CLI); the run is returned queued. `databaseId`: the job must be that database's (or service's). */
  async function runNow(teamId: string, id: string, trigger: DbBackupRunTrigger, actor: Actor, databaseId?: string) {
    const job = await get(teamId, id)
    if (databaseId !== undefined && job.database_id !== databaseId)
      throw new BadRequestError('job_mismatch', `Backup job ${id} belongs to another database.`)
    return runJob(job, trigger, actor)
  }

  /** (Re)creates one cron per enabled scheduled job; only while the scheduler is started. */
  async function reschedule() {
    if (!scheduling) return
    const jobs = await scheduledJobs(db)
    const signature = jobs.map((j) => `${j.id}@${j.updated_at}`).join(',')
    if (signature === scheduled) return
    scheduled = signature
    for (const cron of crons.values()) cron.stop()
    crons.clear()
    for (const job of jobs) {
      const cron = new Cron(job.schedule!, { protect: true }, async (self: Cron) => {
        const slot = tickOf(self, self.currentRun() ?? new Date())
        try {
          // Changed through another process since the crons were made: its next resync reschedules it.
          const current = await findJob(db, job.team_id, job.id)
          if (current?.enabled !== 1 || current.schedule !== job.schedule) return
          // The run's audit row belongs to the job's team (its audit log shows the tick), not to the instance.
          await runJob(current, 'schedule', { ...SYSTEM_ACTOR, teamId: current.team_id }, slot)
        } catch (error) {
          logger.error({ err: error, jobId: job.id }, 'a scheduled backup could not start')
        }
      })
      crons.set(job.id, cron)
    }
  }

  return {
    list,
    listForVolumes,
    createForVolume,
    get: async (teamId: string, id: string) => jobView(await get(teamId, id)),
    create,
    update,
    remove,
    runNow,
    startScheduler: async () => {
      scheduling = true
      await reschedule()
      resync = setInterval(() => {
        reschedule().catch((error: unknown) => logger.error({ err: error }, 'rescheduling database backups failed'))
      }, RESYNC_MS).unref()
    },
    stopScheduler: () => {
      scheduling = false
      scheduled = ''
      clearInterval(resync)
      for (const cron of crons.values()) cron.stop()
      crons.clear()
    },
  }
}
