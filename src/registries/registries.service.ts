import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { SecretCipher } from '../crypto/cipher.js'
import type { DB } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import { ConflictError, NotFoundError } from '../errors.js'
import type { RegistryLogin } from './docker-config.js'
import {
  deleteRegistry,
  findRegistry,
  insertRegistry,
  listRegistries,
  registryHostTaken,
  updateRegistry,
  type RegistryRow,
} from './registries.repo.js'
import type { CreateRegistryInput, UpdateRegistryInput } from './registries.types.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  cipher: SecretCipher
}

export type RegistriesService = ReturnType<typeof createRegistriesService>

/** A login as the API shows it: the password never. */
function view(row: RegistryRow) {
  return {
    id: row.id,
    host: row.host,
    username: row.username,
    password_set: true as const,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

export function createRegistriesService({ db, audit, cipher }: Deps) {
  async function rowOf(teamId: string, id: string) {
    const row = await findRegistry(db, teamId, id)
    if (!row) throw new NotFoundError(`Registry credential ${id} not found.`)
    return row
  }

  async function create(teamId: string, input: CreateRegistryInput, actor: Actor) {
    const now = nowIso()
    const row: RegistryRow = {
      id: newId(),
      team_id: teamId,
      host: input.host,
      username: input.username,
      password: cipher.encrypt(input.password),
      created_at: now,
      updated_at: now,
    }
    await db.transaction().execute(async (trx) => {
      if (await registryHostTaken(trx, teamId, input.host))
        throw new ConflictError('host_taken', `The team already has a login for the registry ${input.host}.`)
      await insertRegistry(trx, row)
      await audit.record(trx, actor, {
        action: 'registry_credential.created',
        resourceType: 'registry_credential',
        resourceId: row.id,
        details: { host: row.host, username: row.username },
      })
    })
    return view(row)
  }

  /** Changes the username or the password; an omitted field is kept. */
  async function update(teamId: string, id: string, input: UpdateRegistryInput, actor: Actor) {
    const row = await rowOf(teamId, id)
    const changes = {
      ...(input.username ? { username: input.username } : {}),
      ...(input.password ? { password: cipher.encrypt(input.password) } : {}),
      updated_at: nowIso(),
    }
    await db.transaction().execute(async (trx) => {
      await updateRegistry(trx, id, changes)
      await audit.record(trx, actor, {
        action: 'registry_credential.updated',
        resourceType: 'registry_credential',
        resourceId: id,
        // Which fields changed, never the password itself.
        details: { host: row.host, username: changes.username ?? row.username, password_changed: !!input.password },
      })
    })
    return view({ ...row, ...changes })
  }

  async function remove(teamId: string, id: string, actor: Actor) {
    const row = await rowOf(teamId, id)
    await db.transaction().execute(async (trx) => {
      await deleteRegistry(trx, id)
      await audit.record(trx, actor, {
        action: 'registry_credential.deleted',
        resourceType: 'registry_credential',
        resourceId: id,
        details: { host: row.host },
      })
    })
  }

  /** For the deployment worker: the team's logins, decrypted (it writes them to a private Docker config). */
  async function loginsFor(teamId: string): Promise<RegistryLogin[]> {
    return (await listRegistries(db, teamId)).map((r) => ({
      host: r.host,
      username: r.username,
      password: cipher.decrypt(r.password),
    }))
  }

  return {
    list: async (teamId: string) => (await listRegistries(db, teamId)).map(view),
    create,
    update,
    remove,
    loginsFor,
  }
}
