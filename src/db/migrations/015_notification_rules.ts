import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../migration-helpers.js'

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  // A channel's rule: its events (the existing `events` column) and, optionally, the projects it
  // hears about (JSON array of project ids; null means every project of the team). Instance
  // channels are rows with the instance's team id (INSTANCE_TEAM_ID, the nil UUID no team has).
  await db.schema.alterTable('notification_channels').addColumn('project_ids', 'text').execute()
  // Storm grouping: the resource a message is about, and how many later events of that resource
  // were folded into it while the channel waited out the grouping window.
  await db.schema.alterTable('notification_outbox').addColumn('resource_key', 'varchar(128)').execute()
  await db.schema
    .alterTable('notification_outbox')
    .addColumn('grouped', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema
    .createIndex('notification_outbox_resource')
    .on('notification_outbox')
    .columns(['channel_id', 'resource_key', 'created_at'])
    .execute()
}
