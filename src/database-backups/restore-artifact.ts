import type { DatabasesService } from '../databases/databases.service.js'
import type { DbBackupRunTable } from '../db/schema.js'
import type { DockerHost } from '../servers/docker-host.js'
import { engineCommands } from './engines.js'
import { containerState, waitUntilRestartedHealthy } from './health.js'
import { globalsForRestore } from './pg-globals.js'
import { execIn, type RunLog, storeToRestore } from './run-exec.js'
import type { ArtifactStore } from './stores.js'
import { sha256Of } from './streams.js'

/** A database as a backup or restore sees it (container, server, credentials, secrets to redact). */
export type BackupTarget = Awaited<ReturnType<DatabasesService['backupTarget']>>

/**
 * Loads a succeeded backup into a database: its checksum is checked first (nothing is restored
 * from an artifact that changed), then PostgreSQL's roles are applied, then the dump; a server
 * that restarts to load a snapshot (Redis) is waited for until healthy. Answers the run's fields.
 */
export async function restoreArtifact(
  env: { store: ArtifactStore; host: DockerHost; artifactKey: Buffer },
  source: DbBackupRunTable,
  target: BackupTarget,
  log: RunLog,
) {
  const commands = engineCommands(target.type, target)
  if (typeof commands === 'string') throw new Error(commands)
  const { store, host } = env
  const key = source.artifact_key!
  log.append('berth', `Checking the checksum of ${key} before restoring`)
  const decryptWith = source.encrypted ? env.artifactKey : null
  const check = await sha256Of(await store.get(key))
  if (check.sha256 !== source.sha256)
    throw new Error(
      `the stored artifact's checksum (${check.sha256}) differs from the recorded one; nothing was restored`,
    )
  if (source.globals_key !== null && commands.globals) {
    log.append('berth', `Applying the roles of ${source.globals_key} before the dump`)
    const globals = await sha256Of(await store.get(source.globals_key))
    if (globals.sha256 !== source.globals_sha256)
      throw new Error(
        `the stored roles' checksum (${globals.sha256}) differs from the recorded one; nothing was restored`,
      )
    await storeToRestore(
      execIn(host, target.container, commands.globals.restore, true),
      await store.get(source.globals_key),
      decryptWith,
      log,
      false,
      globalsForRestore(target.user),
    )
  }
  log.append('berth', `Restoring ${key} into ${target.type} database ${target.name}`)
  const before = commands.restartsAfterRestore ? await containerState(host, target.container) : null
  await storeToRestore(
    execIn(host, target.container, commands.restore, true),
    await store.get(key),
    decryptWith,
    log,
    commands.restartsAfterRestore,
  )
  if (before !== null) {
    log.append('berth', 'The server restarts to load the snapshot; waiting until it is healthy')
    await waitUntilRestartedHealthy(host, target.container, before)
  }
  return { artifact_key: key, size_bytes: check.size, sha256: check.sha256, verified: 1, message: null }
}
