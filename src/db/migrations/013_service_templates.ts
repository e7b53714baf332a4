import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per compose file a catalog template wrote for a service (its creation, each upgrade),
  // with that file's hash: the service's current file names the template version it runs, so a
  // rollback to an older file shows the newer template version as an upgrade again.
  await db.schema
    .createTable('service_templates')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('service_id', 'varchar(36)', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('template_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('template_version', 'varchar(32)', (c) => c.notNull())
    .addColumn('compose_sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('service_templates_service').on('service_templates').column('service_id').execute()
}
