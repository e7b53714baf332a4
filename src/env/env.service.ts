import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { SecretCipher } from '../crypto/cipher.js'
import type { DB } from '../db/schema.js'
import { nowIso } from '../db/time.js'
import { BadRequestError, NotFoundError } from '../errors.js'
import { findTeamService } from '../services/services.repo.js'
import { deleteEnvRow, findEnvRow, listEnvRows, upsertEnvRows } from './env.repo.js'

export const ENV_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/
export const MASK = '********'

type Deps = { db: Kysely<DB>; audit: Pick<AuditService, 'record'>; cipher: SecretCipher }

export type EnvChanges = Record<string, { value: string; secret?: boolean }>
export type EnvView = Record<string, { value: string; secret: boolean; masked: boolean; updated_at: string }>

export type EnvService = ReturnType<typeof createEnvService>

export function createEnvService({ db, audit, cipher }: Deps) {
  /** Rows for the changes in key order, secret values encrypted. */
  function rowsOf(serviceId: string, changes: EnvChanges) {
    const now = nowIso()
    return Object.keys(changes)
      .sort()
      .map((key) => {
        const { value, secret = false } = changes[key]!
        return {
          service_id: serviceId,
          key,
          value: secret ? cipher.encrypt(value) : value,
          secret: secret ? 1 : 0,
          updated_at: now,
        }
      })
  }

  /** Secret values come back masked unless the caller may read sensitive data. */
  async function list(teamId: string, serviceId: string, revealSecrets: boolean): Promise<EnvView> {
    await findTeamService(db, teamId, serviceId)
    const rows = await listEnvRows(db, serviceId)
    return Object.fromEntries(
      rows.map((r) => {
        const secret = r.secret === 1
        const value = !secret ? r.value : revealSecrets ? cipher.decrypt(r.value) : MASK
        return [r.key, { value, secret, masked: secret && !revealSecrets, updated_at: r.updated_at }]
      }),
    )
  }

  /** Upserts the named variables and leaves the others as they are. Audit rows name keys, never values. */
  async function put(teamId: string, serviceId: string, changes: EnvChanges, actor: Actor) {
    const keys = Object.keys(changes).sort()
    if (keys.length === 0) throw new BadRequestError('no_changes', 'Name at least one variable to set.')
    const bad = keys.filter((k) => !ENV_KEY_PATTERN.test(k))
    if (bad.length > 0) {
      throw new BadRequestError(
        'invalid_env_key',
        `"${bad[0]}" is not a valid variable name: use letters, digits and _, not starting with a digit.`,
        { keys: bad },
      )
    }
    const rows = rowsOf(serviceId, changes)
    await db.transaction().execute(async (trx) => {
      await findTeamService(trx, teamId, serviceId)
      await upsertEnvRows(trx, rows)
      await audit.record(trx, actor, {
        action: 'env.updated',
        resourceType: 'service',
        resourceId: serviceId,
        details: { keys, secret_keys: rows.filter((r) => r.secret === 1).map((r) => r.key) },
      })
    })
  }

  async function remove(teamId: string, serviceId: string, key: string, actor: Actor) {
    await db.transaction().execute(async (trx) => {
      await findTeamService(trx, teamId, serviceId)
      if (!(await deleteEnvRow(trx, serviceId, key)))
        throw new NotFoundError(`Service ${serviceId} has no variable ${key}.`)
      await audit.record(trx, actor, {
        action: 'env.deleted',
        resourceType: 'service',
        resourceId: serviceId,
        details: { key },
      })
    })
  }

  /** Plain values for rendering a deployment or a Compose check, and the secret values a redactor must hide. */
  async function valuesForRender(teamId: string, serviceId: string) {
    await findTeamService(db, teamId, serviceId)
    const rows = await listEnvRows(db, serviceId)
    const env: Record<string, string> = {}
    const secrets: string[] = []
    for (const r of rows) {
      env[r.key] = r.secret === 1 ? cipher.decrypt(r.value) : r.value
      if (r.secret === 1) secrets.push(env[r.key]!)
    }
    return { env, secrets }
  }

  /**
   * Sets variables of a service created in the caller's transaction (a database's credentials),
   * without an audit row of its own: the creation's audit row names the secret keys.
   */
  async function setInTransaction(trx: Kysely<DB>, serviceId: string, changes: EnvChanges) {
    await upsertEnvRows(trx, rowsOf(serviceId, changes))
  }

  /** One variable's plain value (decrypted), for a caller that already checked the team and may see it. */
  async function plainValue(serviceId: string, key: string): Promise<string | undefined> {
    const row = await findEnvRow(db, serviceId, key)
    if (!row) return undefined
    return row.secret === 1 ? cipher.decrypt(row.value) : row.value
  }

  return { list, put, remove, valuesForRender, setInTransaction, plainValue }
}
