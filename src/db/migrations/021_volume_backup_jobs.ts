import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../migration-helpers.js'

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  // A job may back up a named volume of a compose service (then database_id holds the service's
  // id, as on its runs), tarred through a helper container of this image.
  await db.schema.alterTable('db_backup_jobs').addColumn('volume', 'varchar(128)').execute()
  await db.schema.alterTable('db_backup_jobs').addColumn('helper_image', 'varchar(255)').execute()
}
