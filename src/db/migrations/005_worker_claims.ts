import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../migration-helpers.js'

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  // Several Berth processes may share one PostgreSQL database. Each running deployment names the
  // process that claimed it and that process's last sign of life, so a starting process recovers
  // only what its own previous life or a dead sibling left, never what a live sibling runs.
  await db.schema.alterTable('deployments').addColumn('claimed_by', 'varchar(36)').execute()
  await db.schema.alterTable('deployments').addColumn('heartbeat_at', 'varchar(32)').execute()
  // A cancel reaches the worker that runs the deployment through the database, whichever process took it.
  await db.schema.alterTable('deployments').addColumn('cancel_requested_by', 'varchar(320)').execute()
}
