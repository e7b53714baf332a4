import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../migration-helpers.js'

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  // The last state reported about a server fact ("server:<id>" up or down, "disk:<id>" low or ok).
  // Every Berth process checks every server; the one whose check changes this row is the one that
  // tells the channels, so several processes (and a restart) report a change once.
  await db.schema
    .createTable('notification_states')
    .addColumn('resource_key', 'varchar(128)', (c) => c.primaryKey())
    .addColumn('state', 'varchar(16)', (c) => c.notNull())
    .addColumn('changed_at', 'varchar(32)', (c) => c.notNull())
    .execute()
}
