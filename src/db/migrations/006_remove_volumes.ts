import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../migration-helpers.js'

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  // Whether a `remove` deployment also deletes the named volumes: yes for a deleted database,
  // only when asked for a deleted service or project (volumes hold data nothing else keeps).
  await db.schema
    .alterTable('deployments')
    .addColumn('remove_volumes', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
}
