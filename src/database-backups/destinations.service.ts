import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { SecretCipher } from '../crypto/cipher.js'
import type { DB, DbBackupDestinationTable } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import { ConflictError, NotFoundError } from '../errors.js'
import type { DockerHost } from '../servers/docker-host.js'
import {
  deleteDestination,
  destinationInUse,
  destinationNameTaken,
  findDestination,
  insertDestination,
  listDestinations,
} from './database-backups.repo.js'
import {
  checkObjectKey,
  type CreateDestinationInput,
  type DirectoryConfig,
  directoryConfig,
  type S3Config,
  s3Config,
} from './destinations.js'
import { type ArtifactStore, directoryStore, s3Store } from './stores.js'
import { readAll } from './streams.js'
import { Readable } from 'node:stream'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  cipher: SecretCipher
  /** The engine of a server (a directory destination is reached on the database's server). */
  hostOf: (serverId: string | null) => Promise<DockerHost>
}

export type DestinationsService = ReturnType<typeof createDestinationsService>

/** A destination as the API shows it: the secret key never, only whether one is stored. */
function destinationView(row: DbBackupDestinationTable) {
  const config = JSON.parse(row.config) as S3Config | DirectoryConfig
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    ...(row.kind === 's3' ? { s3: s3Config.parse(config) } : { directory: directoryConfig.parse(config) }),
    has_secret: row.secret !== null,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

export function createDestinationsService({ db, audit, cipher, hostOf }: Deps) {
  async function get(teamId: string, id: string) {
    const row = await findDestination(db, teamId, id)
    if (!row) throw new NotFoundError(`Backup destination ${id} not found.`)
    return row
  }

  async function create(teamId: string, input: CreateDestinationInput, actor: Actor) {
    const now = nowIso()
    const row: DbBackupDestinationTable = {
      id: newId(),
      team_id: teamId,
      name: input.name,
      kind: input.kind,
      config: JSON.stringify(input.kind === 's3' ? input.s3 : input.directory),
      secret: input.kind === 's3' ? cipher.encrypt(input.secret_access_key) : null,
      created_at: now,
      updated_at: now,
    }
    await db.transaction().execute(async (trx) => {
      if (await destinationNameTaken(trx, teamId, input.name))
        throw new ConflictError('name_taken', `A backup destination named "${input.name}" already exists.`)
      await insertDestination(trx, row)
      await audit.record(trx, actor, {
        action: 'backup_destination.created',
        resourceType: 'backup_destination',
        resourceId: row.id,
        details: { name: row.name, kind: row.kind },
      })
    })
    return destinationView(row)
  }

  async function remove(teamId: string, id: string, actor: Actor) {
    await db.transaction().execute(async (trx) => {
      const row = await findDestination(trx, teamId, id)
      if (!row) throw new NotFoundError(`Backup destination ${id} not found.`)
      if (await destinationInUse(trx, id))
        throw new ConflictError('destination_in_use', `Backup destination "${row.name}" is used by a backup job.`)
      await deleteDestination(trx, id)
      await audit.record(trx, actor, {
        action: 'backup_destination.deleted',
        resourceType: 'backup_destination',
        resourceId: id,
        details: { name: row.name },
      })
    })
  }

  /** The store of a destination; a directory lives on the server given (the database's). */
  async function storeOf(row: DbBackupDestinationTable, serverId: string | null): Promise<ArtifactStore> {
    if (row.kind === 's3') return s3Store(s3Config.parse(JSON.parse(row.config)), cipher.decrypt(row.secret ?? ''))
    return directoryStore(directoryConfig.parse(JSON.parse(row.config)), await hostOf(serverId))
  }

  /**
   * Writes, reads back and deletes a small object; says which step failed and why (the store's
   * own message: it names the endpoint or path, never the secret key).
   */
  async function check(teamId: string, id: string) {
    const row = await get(teamId, id)
    const store = await storeOf(row, null)
    const key = checkObjectKey()
    const body = `berth destination check ${nowIso()}\n`
    const steps: { step: 'write' | 'read' | 'delete'; ok: boolean; error: string | null }[] = []
    const attempt = async (step: 'write' | 'read' | 'delete', action: () => Promise<void>) => {
      try {
        await action()
        steps.push({ step, ok: true, error: null })
        return true
      } catch (error) {
        // Reported to the caller as the check's result: that is this endpoint's job.
        steps.push({ step, ok: false, error: (error as Error).message || String(error) })
        return false
      }
    }
    const ok =
      (await attempt('write', () => store.put(key, Readable.from([Buffer.from(body)])))) &&
      (await attempt('read', async () => {
        const read = (await readAll(await store.get(key))).toString()
        if (read !== body) throw new Error('the object read back differs from the one written')
      })) &&
      (await attempt('delete', () => store.delete(key)))
    return { ok, destination: store.describe, steps }
  }

  /** The secret values of a destination, for the redactor of a run's log. */
  function secretsOf(row: DbBackupDestinationTable): string[] {
    return row.secret === null ? [] : [cipher.decrypt(row.secret)]
  }

  return {
    secretsOf,
    list: async (teamId: string) => (await listDestinations(db, teamId)).map(destinationView),
    get,
    create,
    remove,
    check,
    storeOf,
  }
}
