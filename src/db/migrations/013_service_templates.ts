import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // Which catalog template (and version of it) a service was created from, so Berth can offer
  // the template's newer versions as upgrades; it follows the service when it is deleted.
  await db.schema
    .createTable('service_templates')
    .addColumn('service_id', 'varchar(36)', (c) => c.primaryKey().references('services.id').onDelete('cascade'))
    .addColumn('template_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('template_version', 'varchar(32)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute()
}
