import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Actor, AuditService } from '../audit/audit.service.js'
import { createRedactor } from '../crypto/redact.js'
import type { DatabasesService } from '../databases/databases.service.js'
import type { DB, DbBackupDestinationTable, DbBackupRunTable, DbBackupRunTrigger } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import { createLogWriter } from '../deployments/log-writer.js'
import { BadRequestError, ConflictError, NotFoundError, UnprocessableError } from '../errors.js'
import type { DockerHost } from '../servers/docker-host.js'
import { decryptStream } from './artifact-crypto.js'
import {
  claimRun,
  findDestination,
  findRun,
  finishRun,
  insertRun,
  insertRunLogBatch,
  keptBackups,
  listRuns,
  markPruned,
  recentFinishedBackups,
  runLogLines,
  slotTaken,
} from './database-backups.repo.js'
import type { DestinationsService } from './destinations.service.js'
import { engineCommands } from './engines.js'
import { backupsToPrune, type RetentionPolicy } from './retention.js'
import { dumpToStore, execIn, type RunLog, storeToRestore } from './run-exec.js'
import type { ArtifactStore } from './stores.js'
import { containerState, waitUntilRestartedHealthy } from './health.js'
import { sha256Of } from './streams.js'

export type BackupOutcome = {
  run: DbBackupRunTable
  databaseName: string
  /** The database's project (for notification rules); null once the database is gone. */
  projectId: string | null
  /** Redacted: safe for a notification. */
  message: string
}

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  logger: Logger
  databases: Pick<DatabasesService, 'backupTarget'>
  destinations: Pick<DestinationsService, 'storeOf' | 'secretsOf'>
  hostOf: (serverId: string | null) => Promise<DockerHost>
  /** The key encrypted artifacts use (derived from the app key). */
  artifactKey: Buffer
  /** Queues the outcome's notifications, in the transaction that records it. */
  onFinished?: (trx: Kysely<DB>, outcome: BackupOutcome) => Promise<void>
}

export type RunsService = ReturnType<typeof createRunsService>
type BackupOptions = {
  destinationId: string
  jobId: string | null
  encrypt: boolean
  trigger: DbBackupRunTrigger
  /** A scheduled run's cron tick. */
  slot?: string
}
type Target = Awaited<ReturnType<DatabasesService['backupTarget']>>

/** The artifact's key: the database's name and id, then a sortable time stamp and the run's id. */
function artifactKeyOf(target: Target, runId: string, extension: string, encrypted: boolean) {
  const stamp = nowIso()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
  return `${target.name}-${target.id.slice(0, 8)}/${stamp}-${runId.slice(0, 8)}.${extension}${encrypted ? '.enc' : ''}`
}

/**
 * Backups and restores of a database, each a run record with its own log lines (stored by the
 * deployments' log writer, redacted the same way). A run executes in the process that queued it;
 * its outcome is written with its notifications in one transaction, and a failure is never
 * recorded as a success: a non-zero exit, an empty dump, a store error or a read-back mismatch
 * each fail the run with a line saying so.
 */
export function createRunsService(deps: Deps) {
  const { db, audit, logger } = deps
  const running = new Set<Promise<unknown>>()

  function track(work: Promise<unknown>) {
    running.add(work)
    void work
      .catch((error: unknown) => logger.error({ err: error }, 'a database backup run could not be recorded'))
      .finally(() => running.delete(work))
  }

  async function get(teamId: string, id: string) {
    const run = await findRun(db, teamId, id)
    if (!run) throw new NotFoundError(`Backup run ${id} not found.`)
    return run
  }

  /** Queues a backup and starts it; the run is returned at once (poll it or its log). */
  async function startBackup(
    teamId: string,
    databaseId: string,
    opts: BackupOptions & { retention?: RetentionPolicy },
    actor: Actor,
  ) {
    const target = await deps.databases.backupTarget(teamId, databaseId)
    const run = newRun(teamId, target.id, 'backup', opts, actor)
    const inserted = await db.transaction().execute(async (trx) => {
      if (!(await findDestination(trx, teamId, opts.destinationId)))
        throw new NotFoundError(`Backup destination ${opts.destinationId} not found.`)
      // A scheduled tick another process already took (same job and slot) is not run twice.
      if (opts.slot !== undefined && (await slotTaken(trx, opts.jobId, opts.slot))) return false
      await insertRun(trx, run)
      await audit.record(trx, actor, {
        action: 'database_backup.started',
        resourceType: 'database',
        resourceId: target.id,
        details: { run_id: run.id, trigger: run.trigger, destination_id: run.destination_id, job_id: run.job_id },
      })
      return true
    })
    if (!inserted) return undefined
    track(
      execute(run, target, (log, destination) => dumpRun(run, target, destination, log)).then(async (finished) => {
        // Retention runs only after a new backup succeeded, so a failing job never loses old backups.
        if (finished?.status === 'succeeded' && opts.jobId !== null && opts.retention)
          await applyRetention(teamId, opts.jobId, opts.retention, target.serverId)
      }),
    )
    return run
  }

  function newRun(
    teamId: string,
    databaseId: string,
    kind: 'backup' | 'restore',
    opts: BackupOptions,
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
    target: Target,
    work: (log: RunLog, destination: DbBackupDestinationTable) => Promise<Partial<DbBackupRunTable>>,
  ): Promise<DbBackupRunTable | null> {
    if (!(await claimRun(db, run.id))) return null
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
      outcome = { status: 'failed', message }
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

  async function dumpRun(run: DbBackupRunTable, target: Target, destination: DbBackupDestinationTable, log: RunLog) {
    const commands = engineCommands(target.type, target)
    if (typeof commands === 'string') throw new Error(commands)
    const store = await deps.destinations.storeOf(destination, target.serverId)
    const key = artifactKeyOf(target, run.id, commands.extension, run.encrypted === 1)
    log.append(
      'berth',
      `Dumping ${target.type} database ${target.name} in container ${target.container} to ${store.describe} as ${key}${run.encrypted ? ' (encrypted)' : ''}`,
    )
    const host = await deps.hostOf(target.serverId)
    const stored = await dumpToStore(
      execIn(host, target.container, commands.dump, false),
      store,
      key,
      run.encrypted ? deps.artifactKey : null,
      log,
    )
    log.append('berth', 'Read back: checksum matches')
    return { artifact_key: key, size_bytes: stored.size, sha256: stored.sha256, verified: 1, message: null }
  }

  /**
   * Queues a restore of a succeeded backup into its own database, with a safety backup first.
   * `confirm`, when given (the API asks for it), must be the database's name.
   */
  async function startRestore(
    teamId: string,
    sourceRunId: string,
    trigger: DbBackupRunTrigger,
    actor: Actor,
    confirm?: string,
  ) {
    const source = await get(teamId, sourceRunId)
    const target = await deps.databases.backupTarget(teamId, source.database_id)
    if (confirm !== undefined && confirm !== target.name)
      throw new BadRequestError(
        'confirmation_mismatch',
        `Type the database's name "${target.name}" to confirm the restore.`,
      )
    if (source.kind !== 'backup' || source.status !== 'succeeded' || source.artifact_key === null)
      throw new UnprocessableError('not_restorable', `Run ${sourceRunId} is not a succeeded backup.`)
    if (source.pruned_at !== null)
      throw new ConflictError('artifact_pruned', `The artifact of run ${sourceRunId} was deleted by retention.`)
    if (typeof engineCommands(target.type, target) === 'string')
      throw new UnprocessableError('engine_not_supported', `Restoring ${target.type} databases is not supported.`)
    const run = newRun(
      teamId,
      target.id,
      'restore',
      { destinationId: source.destination_id, jobId: null, encrypt: source.encrypted === 1, trigger },
      actor,
      source.id,
    )
    await db.transaction().execute(async (trx) => {
      await insertRun(trx, run)
      await audit.record(trx, actor, {
        action: 'database_backup.restore_started',
        resourceType: 'database',
        resourceId: target.id,
        details: { run_id: run.id, source_run_id: source.id },
      })
    })
    track(execute(run, target, (log, destination) => restoreRun(run, source, target, destination, actor, log)))
    return run
  }

  async function restoreRun(
    run: DbBackupRunTable,
    source: DbBackupRunTable,
    target: Target,
    destination: DbBackupDestinationTable,
    actor: Actor,
    log: RunLog,
  ) {
    const commands = engineCommands(target.type, target)
    if (typeof commands === 'string') throw new Error(commands)
    log.append('berth', `Taking a safety backup of ${target.name} before restoring over it`)
    const safety = newRun(
      run.team_id,
      target.id,
      'backup',
      { destinationId: source.destination_id, jobId: null, encrypt: source.encrypted === 1, trigger: 'safety' },
      actor,
    )
    await insertRun(db, safety)
    // Just inserted by this process, so it is claimed here: execute answers the finished run.
    const safetyDone = await execute(safety, target, (safetyLog, d) => dumpRun(safety, target, d, safetyLog))
    if (safetyDone?.status !== 'succeeded')
      throw new Error(`the safety backup (run ${safety.id}) failed, so nothing was restored: ${safetyDone?.message}`)
    log.append('berth', `Safety backup ${safety.id} stored as ${safetyDone.artifact_key}`)

    const store = await deps.destinations.storeOf(destination, target.serverId)
    const key = source.artifact_key!
    log.append('berth', `Checking the checksum of ${key} before restoring`)
    const check = await sha256Of(await store.get(key))
    if (check.sha256 !== source.sha256)
      throw new Error(
        `the stored artifact's checksum (${check.sha256}) differs from the recorded one; nothing was restored`,
      )
    log.append('berth', `Restoring ${key} into ${target.type} database ${target.name}`)
    const host = await deps.hostOf(target.serverId)
    const before = commands.restartsAfterRestore ? await containerState(host, target.container) : null
    await storeToRestore(
      execIn(host, target.container, commands.restore, true),
      await store.get(key),
      source.encrypted ? deps.artifactKey : null,
      log,
      commands.restartsAfterRestore,
    )
    if (before !== null) {
      log.append('berth', 'The server restarts to load the snapshot; waiting until it is healthy')
      await waitUntilRestartedHealthy(host, target.container, before)
    }
    return { artifact_key: key, size_bytes: check.size, sha256: check.sha256, verified: 1, message: null }
  }

  /** Deletes the artifacts retention no longer keeps; called only after a new backup succeeded. */
  async function applyRetention(teamId: string, jobId: string, policy: RetentionPolicy, serverId: string | null) {
    const kept = await keptBackups(db, jobId)
    // The pruned backups of a job mostly share one destination: read it and make its client once.
    const stores = new Map<string, Promise<ArtifactStore | undefined>>()
    const storeFor = async (destinationId: string) => {
      const destination = await findDestination(db, teamId, destinationId)
      return destination && deps.destinations.storeOf(destination, serverId)
    }
    for (const run of backupsToPrune(kept, policy, new Date())) {
      if (run.artifact_key === null) continue
      try {
        if (!stores.has(run.destination_id)) stores.set(run.destination_id, storeFor(run.destination_id))
        const store = await stores.get(run.destination_id)!
        if (!store) continue
        await store.delete(run.artifact_key)
        await markPruned(db, run.id)
      } catch (error) {
        // It stays listed as kept, so the next successful backup tries again.
        logger.warn({ err: error, runId: run.id }, 'retention could not delete a backup artifact')
      }
    }
  }

  /** The artifact of a succeeded backup, decrypted, as a stream. */
  async function download(teamId: string, id: string) {
    const run = await get(teamId, id)
    if (run.kind !== 'backup' || run.status !== 'succeeded' || run.artifact_key === null || run.pruned_at !== null)
      throw new ConflictError('no_artifact', `Run ${id} has no stored artifact.`)
    const target = await deps.databases.backupTarget(teamId, run.database_id)
    const destination = await findDestination(db, teamId, run.destination_id)
    if (!destination) throw new ConflictError('no_artifact', `The destination of run ${id} no longer exists.`)
    const stream = await (await deps.destinations.storeOf(destination, target.serverId)).get(run.artifact_key)
    const fileName = run.artifact_key
      .split('/')
      .pop()!
      .replace(/\.enc$/, '')
    return { stream: run.encrypted ? stream.pipe(decryptStream(deps.artifactKey)) : stream, fileName }
  }

  return {
    get,
    list: async (teamId: string, databaseId: string) => {
      await deps.databases.backupTarget(teamId, databaseId)
      return listRuns(db, databaseId, 100)
    },
    log: async (teamId: string, id: string, afterSeq = 0) => {
      await get(teamId, id)
      return runLogLines(db, id, afterSeq)
    },
    /** Each of the team's databases' last finished backup (among the team's 500 most recent). */
    lastBackupPerDatabase: async (teamId: string) => {
      const latest = new Map<string, Awaited<ReturnType<typeof recentFinishedBackups>>[number]>()
      for (const run of await recentFinishedBackups(db, teamId, 500))
        if (!latest.has(run.database_id)) latest.set(run.database_id, run)
      return [...latest.values()]
    },
    startBackup,
    startRestore,
    applyRetention,
    download,
    /** Resolves when every run this process started has finished (tests, shutdown). */
    idle: async () => {
      while (running.size > 0) await Promise.allSettled([...running])
    },
  }
}
