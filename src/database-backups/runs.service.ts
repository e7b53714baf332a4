import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { DatabasesService } from '../databases/databases.service.js'
import type { DeploymentsService } from '../deployments/deployments.service.js'
import type { DB, DbBackupDestinationTable, DbBackupRunTable, DbBackupRunTrigger } from '../db/schema.js'
import { BadRequestError, ConflictError, NotFoundError, UnprocessableError } from '../errors.js'
import type { DockerHost } from '../servers/docker-host.js'
import { decryptStream } from './artifact-crypto.js'
import {
  findDestination,
  findRun,
  insertRun,
  insertRunOnce,
  keptBackups,
  listRuns,
  markPruned,
  recentFinishedBackups,
  type RunOwner,
  runLogLines,
} from './database-backups.repo.js'
import type { DestinationsService } from './destinations.service.js'
import { engineCommands } from './engines.js'
import type { GlobalsCommands } from './pg-globals.js'
import { recoverInterruptedRuns } from './recovery.js'
import { verifyRestore } from './verify-restore.js'
import { createRunner, RunFailure, type RunOptions } from './runner.js'
import { createVolumeRuns, type VolumeDeps, type VolumeRuns } from './volume-runs.js'
import { type BackupTarget, restoreArtifact } from './restore-artifact.js'
import { backupsToPrune, type RetentionPolicy } from './retention.js'
import { dumpToStore, execIn, type RunLog } from './run-exec.js'
import { type ArtifactStore, artifactKeysOf } from './stores.js'

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
  databases: Pick<DatabasesService, 'backupTarget' | 'create' | 'get' | 'remove'>
  deployments: Pick<DeploymentsService, 'queue' | 'get'>
  destinations: Pick<DestinationsService, 'storeOf' | 'secretsOf'>
  hostOf: (serverId: string | null) => Promise<DockerHost>
  /** The key encrypted artifacts use (derived from the app key). */
  artifactKey: Buffer
  /** Queues the outcome's notifications, in the transaction that records it. */
  onFinished?: (trx: Kysely<DB>, outcome: BackupOutcome) => Promise<void>
  /** This process, named on the runs it claims. */
  owner: RunOwner
  /** A compose service of the team (volume backups). */
  serviceOf: VolumeDeps['serviceOf']
}

// A serving process looks for runs a dead process left this often.
const RECOVER_EVERY_MS = 10_000
// A restore into a new database waits this long for its deployment (queued behind others, images pulled).
const DEPLOY_WAIT_MS = 20 * 60_000

export type RunsService = ReturnType<typeof createRunsService>
type BackupOptions = RunOptions & {
  /** Also restore the backup into a throw-away server (a job's verify_restore). */
  verify?: boolean
}
type Target = BackupTarget

/**
 * Backups and restores of a database, each a run record with its own log lines (stored by the
 * deployments' log writer, redacted the same way). A run executes in the process that queued it;
 * its outcome is written with its notifications in one transaction, and a failure is never
 * recorded as a success: a non-zero exit, an empty dump, a store error or a read-back mismatch
 * each fail the run with a line saying so.
 */
export function createRunsService(deps: Deps) {
  const { db, audit, logger } = deps
  const runner = createRunner(deps)
  const { newRun, execute, track, safetyBackup } = runner
  // The recovery timer of a serving process.
  let recovery: NodeJS.Timeout | undefined

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
      if (!(await insertRunOnce(trx, run))) return false
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
      execute(run, target, (log, destination) => dumpRun(run, target, destination, log, opts.verify === true)).then(
        async (finished) => {
          // Retention runs only after a new backup succeeded, so a failing job never loses old backups.
          if (finished?.status === 'succeeded' && opts.jobId !== null && opts.retention)
            await applyRetention(teamId, opts.jobId, opts.retention, target.serverId)
        },
      ),
    )
    return run
  }

  async function dumpRun(
    run: DbBackupRunTable,
    target: Target,
    destination: DbBackupDestinationTable,
    log: RunLog,
    verify = false,
  ) {
    const commands = engineCommands(target.type, target)
    if (typeof commands === 'string') throw new Error(commands)
    const store = await deps.destinations.storeOf(destination, target.serverId)
    const keyOf = artifactKeysOf(`${target.name}-${target.id.slice(0, 8)}`, run.id, run.encrypted === 1)
    const key = keyOf(commands.extension)
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
    const globals = commands.globals && (await dumpGlobals(commands.globals, keyOf('globals.sql'), key))
    if (verify) {
      const { image } = await deps.databases.get(run.team_id, target.id, false)
      const backup = { ...run, artifact_key: key, globals_key: globals?.globals_key ?? null }
      try {
        log.append(
          'berth',
          await verifyRestore({ host, store, artifactKey: deps.artifactKey }, backup, target.type, image, log),
        )
      } catch (error) {
        // A backup that does not restore is not kept as if it were one (the run records no artifact).
        for (const stored of [key, backup.globals_key]) if (stored !== null) await store.delete(stored)
        throw new RunFailure(`the restore check failed, so the backup was deleted: ${(error as Error).message}`, {
          restore_verified: 0,
        })
      }
    }
    return {
      artifact_key: key,
      size_bytes: stored.size,
      sha256: stored.sha256,
      verified: 1,
      message: null,
      ...globals,
      restore_verified: verify ? 1 : null,
    }

    /** The roles beside the dump; when they cannot be stored, the dump is deleted too (a run is whole or failed). */
    async function dumpGlobals(globals: GlobalsCommands, globalsKey: string, dumpKey: string) {
      log.append('berth', `Dumping the server's roles (pg_dumpall --globals-only) as ${globalsKey}`)
      try {
        const artifact = await dumpToStore(
          execIn(host, target.container, globals.dump, false),
          store,
          globalsKey,
          run.encrypted ? deps.artifactKey : null,
          log,
        )
        return { globals_key: globalsKey, globals_sha256: artifact.sha256 }
      } catch (error) {
        await store.delete(dumpKey)
        throw new Error(`dumping the roles failed, so the dump was deleted too: ${(error as Error).message}`)
      }
    }
  }

  /** A backup run that can be restored into a database of `target`'s engine, or the error why not. */
  async function restorableSource(teamId: string, sourceRunId: string) {
    const source = await get(teamId, sourceRunId)
    if (source.volume !== null)
      throw new UnprocessableError(
        'not_a_database_backup',
        `Run ${sourceRunId} is a backup of a volume, not a database.`,
      )
    if (source.kind !== 'backup' || source.status !== 'succeeded' || source.artifact_key === null)
      throw new UnprocessableError('not_restorable', `Run ${sourceRunId} is not a succeeded backup.`)
    if (source.pruned_at !== null)
      throw new ConflictError('artifact_pruned', `The artifact of run ${sourceRunId} was deleted by retention.`)
    const original = await deps.databases.backupTarget(teamId, source.database_id)
    if (typeof engineCommands(original.type, original) === 'string')
      throw new UnprocessableError('engine_not_supported', `Restoring ${original.type} databases is not supported.`)
    return { source, original }
  }

  /** Records a restore run of `source` into `target` (with its audit row) and starts `work` on it. */
  async function queueRestore(
    source: DbBackupRunTable,
    target: Target,
    trigger: DbBackupRunTrigger,
    actor: Actor,
    details: Record<string, unknown>,
    work: (
      run: DbBackupRunTable,
      log: RunLog,
      destination: DbBackupDestinationTable,
    ) => Promise<Partial<DbBackupRunTable>>,
  ) {
    const run = newRun(
      source.team_id,
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
        details: { run_id: run.id, source_run_id: source.id, ...details },
      })
    })
    track(execute(run, target, (log, destination) => work(run, log, destination)))
    return run
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
    const run = await get(teamId, sourceRunId)
    if (run.volume !== null) return volumes.startRestore(teamId, run, trigger, actor, confirm)
    const { source, original: target } = await restorableSource(teamId, sourceRunId)
    if (confirm !== undefined && confirm !== target.name)
      throw new BadRequestError(
        'confirmation_mismatch',
        `Type the database's name "${target.name}" to confirm the restore.`,
      )
    return queueRestore(source, target, trigger, actor, {}, (run, log, destination) =>
      restoreRun(run, source, target, destination, actor, log),
    )
  }

  /**
   * Creates a new database resource of the backup's engine and image in the same project (through
   * the databases service), deploys it and restores the backup into it; the original database is
   * not touched. Answers the queued restore run, which belongs to the new database.
   */
  async function startRestoreIntoNew(
    teamId: string,
    sourceRunId: string,
    name: string,
    trigger: Extract<DbBackupRunTrigger, 'api' | 'ui' | 'cli'>,
    actor: Actor,
  ) {
    const { source, original } = await restorableSource(teamId, sourceRunId)
    const { image, version } = await deps.databases.get(teamId, original.id, false)
    const created = await deps.databases.create(
      teamId,
      original.projectId,
      {
        type: original.type,
        name,
        image,
        version,
        description: `Restored from backup run ${source.id} of ${original.name}`,
      },
      actor,
    )
    const [deployment] = await deps.deployments.queue(teamId, [created.uuid], { trigger }, actor)
    const target = await deps.databases.backupTarget(teamId, created.uuid)
    const details = { source_database_id: original.id, deployment_id: deployment!.deployment_uuid }
    return queueRestore(source, target, trigger, actor, details, async (_run, log, destination) => {
      log.append('berth', `Created database ${name} for the backup of ${original.name}; waiting for its deployment`)
      try {
        await deploymentFinished(teamId, deployment!.deployment_uuid)
        return await restoreInto(source, target, destination, log)
      } catch (error) {
        // A failed restore leaves nothing half-made: the new database (and its volume) is removed.
        throw new Error(`${(error as Error).message}; ${await removeNew(teamId, target, actor, log)}`)
      }
    })
  }

  /** Removes a database a failed restore created; answers what happened, for the run's message. */
  async function removeNew(teamId: string, created: Target, actor: Actor, log: RunLog) {
    try {
      const removal = await deps.databases.remove(teamId, created.id, actor)
      log.append('berth', `Removing the new database ${created.name} (deployment ${removal.deployment_uuid})`)
      return `the new database ${created.name} was removed`
    } catch (error) {
      return `the new database ${created.name} could not be removed (${(error as Error).message}): delete it yourself`
    }
  }

  /** Loads `source` into the database from the run's destination (restore-artifact.ts). */
  async function restoreInto(
    source: DbBackupRunTable,
    target: Target,
    destination: DbBackupDestinationTable,
    log: RunLog,
  ) {
    return restoreArtifact(
      {
        store: await deps.destinations.storeOf(destination, target.serverId),
        host: await deps.hostOf(target.serverId),
        artifactKey: deps.artifactKey,
      },
      source,
      target,
      log,
    )
  }

  /** Waits until a deployment ended; throws unless it finished (its containers are healthy). */
  async function deploymentFinished(teamId: string, deploymentId: string) {
    const deadline = Date.now() + DEPLOY_WAIT_MS
    for (;;) {
      const d = await deps.deployments.get(teamId, deploymentId)
      if (d.status === 'finished') return
      if (d.status !== 'queued' && d.status !== 'in_progress')
        throw new Error(`the new database's deployment ${deploymentId} ended ${d.status}: ${d.message ?? ''}`)
      if (Date.now() > deadline)
        throw new Error(
          `the new database's deployment ${deploymentId} did not finish within ${DEPLOY_WAIT_MS / 60_000} minutes`,
        )
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
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
    await safetyBackup(safety, target, (safetyLog, d) => dumpRun(safety, target, d, safetyLog), log)
    return restoreInto(source, target, destination, log)
  }

  const recoverInterrupted = () => recoverInterruptedRuns(deps, runner.active)

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
        if (run.globals_key !== null) await store.delete(run.globals_key)
        await markPruned(db, run.id)
      } catch (error) {
        // It stays listed as kept, so the next successful backup tries again.
        logger.warn({ err: error, runId: run.id }, 'retention could not delete a backup artifact')
      }
    }
  }

  /** The artifact of a succeeded backup, decrypted, as a stream; the download is audited (it is the data). */
  async function download(teamId: string, id: string, actor: Actor) {
    const run = await get(teamId, id)
    if (run.kind !== 'backup' || run.status !== 'succeeded' || run.artifact_key === null || run.pruned_at !== null)
      throw new ConflictError('no_artifact', `Run ${id} has no stored artifact.`)
    const serverId = await serverOfRun(teamId, run)
    const destination = await findDestination(db, teamId, run.destination_id)
    if (!destination) throw new ConflictError('no_artifact', `The destination of run ${id} no longer exists.`)
    const stream = await (await deps.destinations.storeOf(destination, serverId)).get(run.artifact_key)
    await db.transaction().execute((trx) =>
      audit.record(trx, actor, {
        action: 'database_backup.downloaded',
        resourceType: 'database',
        resourceId: run.database_id,
        details: { run_id: run.id, artifact_key: run.artifact_key },
      }),
    )
    const fileName = run.artifact_key
      .split('/')
      .pop()!
      .replace(/\.enc$/, '')
    return { stream: run.encrypted ? stream.pipe(decryptStream(deps.artifactKey)) : stream, fileName }
  }

  const volumes = createVolumeRuns({ ...deps, runner, applyRetention })

  /**
   * The runs of a database or service, newest first. Those of a deleted one stay listed (its
   * backups may still be downloaded), so `exists` (404 for an unknown id) is asked only when the
   * team has no run of that id.
   */
  async function runsOf(teamId: string, ownerId: string, exists: () => Promise<unknown>) {
    const runs = await listRuns(db, teamId, ownerId, 100)
    if (runs.length === 0) await exists()
    return runs
  }

  /** The server whose engine reaches a run's destination directory; a deleted resource's: the default server. */
  async function serverOfRun(teamId: string, run: DbBackupRunTable) {
    try {
      return run.volume !== null
        ? await volumes.serverOf(teamId, run.database_id)
        : (await deps.databases.backupTarget(teamId, run.database_id)).serverId
    } catch (error) {
      if (error instanceof NotFoundError) return null
      throw error
    }
  }

  return {
    get,
    list: (teamId: string, databaseId: string) =>
      runsOf(teamId, databaseId, () => deps.databases.backupTarget(teamId, databaseId)),
    /** A compose service's volume backups and restores, newest first. */
    listVolumeRuns: (teamId: string, serviceId: string) =>
      runsOf(teamId, serviceId, () => deps.serviceOf(teamId, serviceId)),
    startVolumeBackup: (...args: Parameters<VolumeRuns['startBackup']>) => volumes.startBackup(...args),
    serviceVolumes: (teamId: string, serviceId: string) => volumes.listVolumes(teamId, serviceId),
    log: async (teamId: string, id: string, afterSeq = 0) => {
      await get(teamId, id)
      return runLogLines(db, id, afterSeq)
    },
    /** A page of the log for a live stream, with the run's status read first (an ended run's lines are all stored). */
    logPage: async (teamId: string, id: string, afterSeq: number, limit: number) => {
      const { status } = await get(teamId, id)
      const lines = await runLogLines(db, id, afterSeq, limit)
      return { lines, status, next_after: lines.at(-1)?.seq ?? afterSeq, has_more: lines.length === limit }
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
    startRestoreIntoNew,
    recoverInterrupted,
    /** A serving process: recovers interrupted runs now, then now and then (a sibling may die). */
    startRecovery: async () => {
      const recovered = await recoverInterrupted()
      if (recovered > 0) logger.info({ recovered }, 'marked backup runs interrupted by a stopped Berth as failed')
      recovery = setInterval(() => {
        recoverInterrupted().catch((error: unknown) => logger.error({ err: error }, 'recovering backup runs failed'))
      }, RECOVER_EVERY_MS).unref()
    },
    stopRecovery: () => clearInterval(recovery),
    applyRetention,
    download,
    /** Resolves when every run this process started has finished (tests, shutdown). */
    idle: runner.idle,
  }
}
