import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Actor } from '../audit/audit.service.js'
import { createRedactor } from '../crypto/redact.js'
import type { DB, DbBackupDestinationTable, DbBackupRunTable, DbBackupRunTrigger } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import { createLogWriter } from '../deployments/log-writer.js'
import {
  claimRun,
  findDestination,
  finishRun,
  heartbeatRuns,
  insertRun,
  insertRunLogBatch,
  type RunOwner,
} from './database-backups.repo.js'
import type { DestinationsService } from './destinations.service.js'
import { HEARTBEAT_MS } from './recovery.js'
import type { BackupTarget } from './restore-artifact.js'
import type { RunLog } from './run-exec.js'
import type { BackupOutcome } from './runs.service.js'

/** A run's failure that also records fields on the failed run (a backup whose restore check failed: restore_verified 0). */
export class RunFailure extends Error {
  constructor(
    message: string,
    readonly fields: Partial<DbBackupRunTable>,
  ) {
    super(message)
  }
}

/** What a run needs of what it backs up: its name and project (notifications) and the secrets its log hides. */
export type RunTarget = Pick<BackupTarget, 'id' | 'name' | 'projectId' | 'secrets'>
/** A run's work: given its redacting log and destination, the fields of a success, or it throws. */
export type Work = (log: RunLog, destination: DbBackupDestinationTable) => Promise<Partial<DbBackupRunTable>>

export type RunOptions = {
  destinationId: string
  jobId: string | null
  encrypt: boolean
  trigger: DbBackupRunTrigger
  /** A scheduled run's cron tick. */
  slot?: string
}

type Deps = {
  db: Kysely<DB>
  logger: Pick<Logger, 'error'>
  destinations: Pick<DestinationsService, 'secretsOf'>
  onFinished?: (trx: Kysely<DB>, outcome: BackupOutcome) => Promise<void>
  owner: RunOwner
}

export type Runner = ReturnType<typeof createRunner>

/**
 * The life of one run record, shared by database and volume runs: made queued, claimed by this
 * process (with heartbeats while it runs), executed with a redacting log, its outcome recorded
 * with its notifications in one transaction; a failure is never recorded as a success.
 */
export function createRunner(deps: Deps) {
  const { db, logger } = deps
  const running = new Set<Promise<unknown>>()
  // The runs this process is executing: their heartbeats, and what recovery must leave alone.
  const active = new Set<string>()
  let beat: NodeJS.Timeout | undefined

  /** Keeps a started run's promise until it settles (idle), logging a failure to record it. */
  function track(work: Promise<unknown>) {
    running.add(work)
    void work
      .catch((error: unknown) => logger.error({ err: error }, 'a database backup run could not be recorded'))
      .finally(() => running.delete(work))
  }

  function newRun(
    teamId: string,
    databaseId: string,
    kind: 'backup' | 'restore',
    opts: RunOptions,
    actor: Actor,
    sourceRunId: string | null = null,
  ): DbBackupRunTable {
    return {
      id: newId(),
      team_id: teamId,
      database_id: databaseId,
      job_id: opts.jobId,
      destination_id: opts.destinationId,
      kind,
      status: 'queued',
      trigger: opts.trigger,
      slot: opts.slot ?? null,
      source_run_id: sourceRunId,
      artifact_key: null,
      encrypted: opts.encrypt ? 1 : 0,
      size_bytes: null,
      sha256: null,
      verified: 0,
      message: null,
      pruned_at: null,
      created_by: actor.name,
      created_at: nowIso(),
      started_at: null,
      finished_at: null,
      claimed_by: null,
      process_id: null,
      heartbeat_at: null,
      globals_key: null,
      globals_sha256: null,
      restore_verified: null,
      volume: null,
      helper_image: null,
    }
  }

  /**
   * Runs one record: claims it, gives the work a redacting log and the run's destination (read
   * once here), and records the outcome (with its notifications) in one transaction. The work
   * returns the fields of a success or throws. Answers the finished run, or null when another
   * process claimed it.
   */
  async function execute(
    run: DbBackupRunTable,
    target: RunTarget,
    work: (log: RunLog, destination: DbBackupDestinationTable) => Promise<Partial<DbBackupRunTable>>,
  ): Promise<DbBackupRunTable | null> {
    if (!(await claimRun(db, run.id, deps.owner))) return null
    active.add(run.id)
    beat ??= setInterval(() => {
      heartbeatRuns(db, [...active]).catch((error: unknown) => logger.error({ err: error }, 'backup heartbeat failed'))
    }, HEARTBEAT_MS).unref()
    try {
      return await executeClaimed(run, target, work)
    } finally {
      active.delete(run.id)
      if (active.size === 0) {
        clearInterval(beat)
        beat = undefined
      }
    }
  }

  async function executeClaimed(
    run: DbBackupRunTable,
    target: RunTarget,
    work: (log: RunLog, destination: DbBackupDestinationTable) => Promise<Partial<DbBackupRunTable>>,
  ): Promise<DbBackupRunTable> {
    const destination = await findDestination(db, run.team_id, run.destination_id)
    const redact = createRedactor([...target.secrets, ...(destination ? deps.destinations.secretsOf(destination) : [])])
    const writer = createLogWriter({ db, deploymentId: run.id, firstSeq: 1, redact, insert: insertRunLogBatch })
    let outcome: Partial<DbBackupRunTable> & { status: 'succeeded' | 'failed' }
    try {
      // A destination deleted after the run was queued (nothing stops a manual run's) fails it here.
      if (!destination) throw new Error('the destination no longer exists')
      outcome = { ...(await work(writer, destination)), status: 'succeeded' }
      writer.append('berth', `${run.kind === 'backup' ? 'Backup' : 'Restore'} succeeded`)
    } catch (error) {
      const message = redact((error as Error).message || String(error))
      writer.append('berth', `${run.kind === 'backup' ? 'Backup' : 'Restore'} failed: ${message}`)
      outcome = { ...(error instanceof RunFailure && error.fields), status: 'failed', message }
    }
    try {
      await writer.close()
    } catch (error) {
      // A run whose log could not be stored does not claim success.
      logger.error({ err: error, runId: run.id }, 'storing a backup run log failed')
      if (outcome.status === 'succeeded') outcome = { status: 'failed', message: 'storing the run log failed' }
    }
    const finishedRun = { ...run, ...outcome }
    await db.transaction().execute(async (trx) => {
      await finishRun(trx, run.id, outcome)
      await deps.onFinished?.(trx, {
        run: finishedRun,
        databaseName: target.name,
        projectId: target.projectId,
        message: outcome.message ?? (run.kind === 'backup' ? 'Backup succeeded' : 'Restore succeeded'),
      })
    })
    return finishedRun
  }

  /** Runs a safety backup (already made with newRun) before a restore overwrites data; throws unless it succeeded. */
  async function safetyBackup(safety: DbBackupRunTable, target: RunTarget, dump: Work, log: RunLog) {
    await insertRun(db, safety)
    // Just inserted by this process, so it is claimed here: execute answers the finished run.
    const done = await execute(safety, target, dump)
    if (done?.status !== 'succeeded')
      throw new Error(`the safety backup (run ${safety.id}) failed, so nothing was restored: ${done?.message}`)
    log.append('berth', `Safety backup ${safety.id} stored as ${done.artifact_key}`)
  }

  return {
    newRun,
    execute,
    track,
    safetyBackup,
    active: active as ReadonlySet<string>,
    /** Resolves when every run this process started has finished (tests, shutdown). */
    idle: async () => {
      while (running.size > 0) await Promise.allSettled([...running])
    },
  }
}
