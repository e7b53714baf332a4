import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { DB, DbBackupDestinationTable, DbBackupRunTable, DbBackupRunTrigger } from '../db/schema.js'
import { BadRequestError, NotFoundError, UnprocessableError } from '../errors.js'
import type { DockerHost } from '../servers/docker-host.js'
import { findDestination, insertRunOnce } from './database-backups.repo.js'
import type { DestinationsService } from './destinations.service.js'
import { artifactKeysOf } from './stores.js'
import type { RetentionPolicy } from './retention.js'
import type { Runner } from './runner.js'
import { dumpToStore, type RunLog, storeToRestore } from './run-exec.js'
import { sha256Of } from './streams.js'
import {
  containersUsing,
  engineVolumeName,
  projectVolumes,
  VOLUME_PATTERN,
  volumeExists,
  volumeHelperArgs,
} from './volumes.js'

export type VolumeDeps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  destinations: Pick<DestinationsService, 'storeOf'>
  hostOf: (serverId: string | null) => Promise<DockerHost>
  /** A compose service of the team (404 otherwise): its name, project and server. */
  serviceOf: (
    teamId: string,
    serviceId: string,
  ) => Promise<{ id: string; name: string; projectId: string; serverId: string | null }>
  artifactKey: Buffer
  runner: Runner
  /** Deletes what a job's retention no longer keeps (called after a successful backup only). */
  applyRetention: (teamId: string, jobId: string, policy: RetentionPolicy, serverId: string | null) => Promise<void>
}

export type VolumeBackupInput = {
  volume: string
  destinationId: string
  helperImage: string
  encrypt: boolean
  /** A job's run: its id, its cron tick when scheduled, and the retention applied after a success. */
  jobId?: string
  slot?: string
  retention?: RetentionPolicy
}

/**
 * Backups of a compose service's named volume: a tar stream through a short-lived helper container
 * (an image the server has), stored like a database dump; a restore takes a safety backup, stops
 * the containers using the volume, replaces its content and starts them again, as one run.
 */
export type VolumeRuns = ReturnType<typeof createVolumeRuns>

export function createVolumeRuns(deps: VolumeDeps) {
  const { db, audit, runner } = deps

  async function targetOf(teamId: string, serviceId: string, volume: string) {
    if (!VOLUME_PATTERN.test(volume)) throw new BadRequestError('invalid_volume', `"${volume}" is not a volume name.`)
    const service = await deps.serviceOf(teamId, serviceId)
    const host = await deps.hostOf(service.serverId)
    const engineName = engineVolumeName(serviceId, volume)
    if (!(await volumeExists(host, engineName)))
      throw new NotFoundError(`Service ${service.name} has no volume ${volume} on its server (deploy it first).`)
    return {
      id: serviceId,
      name: `${service.name} volume ${volume}`,
      projectId: service.projectId,
      secrets: [],
      service,
      host,
      engineName,
    }
  }
  type Target = Awaited<ReturnType<typeof targetOf>>

  async function dump(run: DbBackupRunTable, target: Target, destination: DbBackupDestinationTable, log: RunLog) {
    const store = await deps.destinations.storeOf(destination, target.service.serverId)
    const key = artifactKeysOf(
      `${target.service.name}-${target.id.slice(0, 8)}/${run.volume}`,
      run.id,
      run.encrypted === 1,
    )('tar')
    log.append('berth', `Archiving volume ${target.engineName} with ${run.helper_image} to ${store.describe} as ${key}`)
    const stored = await dumpToStore(
      target.host.stream(volumeHelperArgs(target.engineName, run.helper_image!, 'dump')),
      store,
      key,
      run.encrypted ? deps.artifactKey : null,
      log,
    )
    return { artifact_key: key, size_bytes: stored.size, sha256: stored.sha256, verified: 1, message: null }
  }

  /** Inserts the run with its audit row; false when its cron tick already has a run (another process took it). */
  async function record(run: DbBackupRunTable, actor: Actor, action: string, details: Record<string, unknown>) {
    return db.transaction().execute(async (trx) => {
      if (!(await findDestination(trx, run.team_id, run.destination_id)))
        throw new NotFoundError(`Backup destination ${run.destination_id} not found.`)
      if (!(await insertRunOnce(trx, run))) return false
      await audit.record(trx, actor, {
        action,
        resourceType: 'service',
        resourceId: run.database_id,
        details: { run_id: run.id, volume: run.volume, ...details },
      })
      return true
    })
  }

  function volumeRun(base: DbBackupRunTable, volume: string, helperImage: string): DbBackupRunTable {
    return { ...base, volume, helper_image: helperImage }
  }

  async function startBackup(
    teamId: string,
    serviceId: string,
    input: VolumeBackupInput,
    trigger: DbBackupRunTrigger,
    actor: Actor,
  ) {
    const target = await targetOf(teamId, serviceId, input.volume)
    const run = volumeRun(
      runner.newRun(
        teamId,
        serviceId,
        'backup',
        {
          destinationId: input.destinationId,
          jobId: input.jobId ?? null,
          encrypt: input.encrypt,
          trigger,
          slot: input.slot,
        },
        actor,
      ),
      input.volume,
      input.helperImage,
    )
    const details = { trigger, destination_id: run.destination_id, job_id: run.job_id }
    if (!(await record(run, actor, 'database_backup.started', details))) return undefined
    runner.track(
      runner
        .execute(run, target, (log, destination) => dump(run, target, destination, log))
        .then(async (finished) => {
          // As for databases: retention only after a new backup succeeded.
          if (finished?.status === 'succeeded' && input.jobId !== undefined && input.retention)
            await deps.applyRetention(teamId, input.jobId, input.retention, target.service.serverId)
        }),
    )
    return run
  }

  /** Restores a volume backup over the volume; `confirm` must be the volume's name. */
  async function startRestore(
    teamId: string,
    source: DbBackupRunTable,
    trigger: DbBackupRunTrigger,
    actor: Actor,
    confirm?: string,
  ) {
    const volume = source.volume!
    if (confirm !== undefined && confirm !== volume)
      throw new BadRequestError('confirmation_mismatch', `Type the volume's name "${volume}" to confirm the restore.`)
    if (
      source.kind !== 'backup' ||
      source.status !== 'succeeded' ||
      source.artifact_key === null ||
      source.pruned_at !== null
    )
      throw new UnprocessableError('not_restorable', `Run ${source.id} is not a stored backup.`)
    const target = await targetOf(teamId, source.database_id, volume)
    const options = { destinationId: source.destination_id, jobId: null, encrypt: source.encrypted === 1 }
    const run = volumeRun(
      runner.newRun(teamId, target.id, 'restore', { ...options, trigger }, actor, source.id),
      volume,
      source.helper_image!,
    )
    await record(run, actor, 'database_backup.restore_started', { source_run_id: source.id })
    runner.track(
      runner.execute(run, target, async (log, destination) => {
        log.append('berth', `Taking a safety backup of volume ${volume} before restoring over it`)
        const safety = volumeRun(
          runner.newRun(teamId, target.id, 'backup', { ...options, trigger: 'safety' }, actor),
          volume,
          source.helper_image!,
        )
        await runner.safetyBackup(safety, target, (safetyLog, d) => dump(safety, target, d, safetyLog), log)
        return restoreOver(source, target, destination, log)
      }),
    )
    return run
  }

  async function restoreOver(
    source: DbBackupRunTable,
    target: Target,
    destination: DbBackupDestinationTable,
    log: RunLog,
  ) {
    const store = await deps.destinations.storeOf(destination, target.service.serverId)
    const key = source.artifact_key!
    const check = await sha256Of(await store.get(key))
    if (check.sha256 !== source.sha256)
      throw new Error(
        `the stored archive's checksum (${check.sha256}) differs from the recorded one; nothing was restored`,
      )
    const running = await containersUsing(target.host, target.engineName)
    if (running.length > 0) {
      log.append('berth', `Stopping ${running.length} container(s) using the volume`)
      const stopped = await target.host.docker(['stop', ...running], { timeoutMs: 120_000 })
      if (stopped.code !== 0) throw new Error(`stopping the containers failed: ${stopped.stderr.trim()}`)
    }
    try {
      log.append('berth', `Restoring ${key} into volume ${target.engineName}`)
      await storeToRestore(
        target.host.stream(volumeHelperArgs(target.engineName, source.helper_image!, 'restore'), { stdin: true }),
        await store.get(key),
        source.encrypted ? deps.artifactKey : null,
        log,
        false,
      )
    } finally {
      // Started again whatever happened: a failed restore leaves the volume as it was.
      if (running.length > 0) {
        const started = await target.host.docker(['start', ...running], { timeoutMs: 120_000 })
        log.append(
          'berth',
          started.code === 0
            ? 'Started the containers again'
            : `Starting the containers failed: ${started.stderr.trim()}`,
        )
      }
    }
    return { artifact_key: key, size_bytes: check.size, sha256: check.sha256, verified: 1, message: null }
  }

  /** The service's named volumes that exist on its server. */
  async function listVolumes(teamId: string, serviceId: string) {
    const service = await deps.serviceOf(teamId, serviceId)
    return projectVolumes(await deps.hostOf(service.serverId), serviceId)
  }

  return {
    startBackup,
    startRestore,
    listVolumes,
    /** The service's server (a volume run's artifacts live where its destination says, reached from there). */
    serverOf: async (teamId: string, serviceId: string) => (await deps.serviceOf(teamId, serviceId)).serverId,
  }
}
