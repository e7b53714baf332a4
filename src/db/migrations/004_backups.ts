import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../migration-helpers.js'

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  // A row per attempt, failed ones included: "the backup did not happen" must be visible, not silent.
  await db.schema
    .createTable('backups')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('directory', 'varchar(1024)', (c) => c.notNull())
    .addColumn('file_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('trigger', 'varchar(16)', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint')
    .addColumn('sha256', 'varchar(64)')
    .addColumn('verified', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('finished_at', 'varchar(32)')
    .addColumn('deleted_at', 'varchar(32)')
    .execute()
  await db.schema.createIndex('backups_started').on('backups').column('started_at').execute()
}
