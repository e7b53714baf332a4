import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'

/**
 * Writes a server's row without changing it, inside the caller's transaction: a row lock on
 * PostgreSQL, the write lock on SQLite. Deployment claimers of one server take it first, so they
 * run one at a time (see deployments.repo.ts claimQueued).
 */
export async function lockServerRow(trx: Kysely<DB>, serverId: string): Promise<void> {
  await trx
    .updateTable('servers')
    .set((eb) => ({ updated_at: eb.ref('updated_at') }))
    .where('id', '=', serverId)
    .execute()
}
