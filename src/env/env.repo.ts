import type { Kysely } from 'kysely'
import type { DB, ServiceEnvTable } from '../db/schema.js'

export async function listEnvRows(db: Kysely<DB>, serviceId: string) {
  return db.selectFrom('service_env').selectAll().where('service_id', '=', serviceId).orderBy('key').execute()
}

/** One stored value (encrypted when secret), or undefined. */
export async function findEnvRow(db: Kysely<DB>, serviceId: string, key: string) {
  return db
    .selectFrom('service_env')
    .selectAll()
    .where('service_id', '=', serviceId)
    .where('key', '=', key)
    .executeTakeFirst()
}

/** Inserts or replaces variables (values already encrypted where secret). */
export async function upsertEnvRows(db: Kysely<DB>, rows: ServiceEnvTable[]) {
  for (const row of rows) {
    await db
      .insertInto('service_env')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['service_id', 'key'])
          .doUpdateSet({ value: row.value, secret: row.secret, updated_at: row.updated_at }),
      )
      .execute()
  }
}

/** Deletes one variable; false when there was none. */
export async function deleteEnvRow(db: Kysely<DB>, serviceId: string, key: string): Promise<boolean> {
  const result = await db
    .deleteFrom('service_env')
    .where('service_id', '=', serviceId)
    .where('key', '=', key)
    .executeTakeFirst()
  return Number(result.numDeletedRows) > 0
}
