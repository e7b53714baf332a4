import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../migration-helpers.js'

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  // How long a deployment waits for the resource's containers to be healthy (or steadily running)
  // before it fails, and whether a failed deployment redeploys the last version that passed.
  await db.schema
    .alterTable('services')
    .addColumn('health_timeout_seconds', 'integer', (c) => c.notNull().defaultTo(120))
    .execute()
  await db.schema
    .alterTable('services')
    .addColumn('auto_rollback', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  // A rollback deploys a named compose version (not the resource's current one) and names the
  // deployment whose failure it answers.
  await db.schema.alterTable('deployments').addColumn('target_version', 'integer').execute()
  await db.schema.alterTable('deployments').addColumn('rollback_of', 'varchar(36)').execute()
}
