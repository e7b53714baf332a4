import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../migration-helpers.js'

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  // A running backup or restore names the Berth that runs it (the data dir's worker id and the
  // process id: the CLI and `berth serve` share a data dir) and that process's last sign of life,
  // so a run whose process died is marked failed instead of staying in progress forever.
  await db.schema.alterTable('db_backup_runs').addColumn('claimed_by', 'varchar(36)').execute()
  await db.schema.alterTable('db_backup_runs').addColumn('process_id', 'integer').execute()
  await db.schema.alterTable('db_backup_runs').addColumn('heartbeat_at', 'varchar(32)').execute()
  // PostgreSQL runs also store the server's globals (roles) as a second artifact, applied before the dump on restore.
  await db.schema.alterTable('db_backup_runs').addColumn('globals_key', 'varchar(1024)').execute()
  await db.schema.alterTable('db_backup_runs').addColumn('globals_sha256', 'varchar(64)').execute()
  // A job may ask each backup to be restored into a throw-away server; the run records the outcome.
  await db.schema
    .alterTable('db_backup_jobs')
    .addColumn('verify_restore', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema.alterTable('db_backup_runs').addColumn('restore_verified', 'integer').execute()
  // A named volume of a compose service (then database_id holds the service's id), tarred through a
  // helper container of this image.
  await db.schema.alterTable('db_backup_runs').addColumn('volume', 'varchar(128)').execute()
  await db.schema.alterTable('db_backup_runs').addColumn('helper_image', 'varchar(255)').execute()
}
