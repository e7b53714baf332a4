import type { Kysely } from 'kysely'
import { autoIdColumn, type MigrationDialect } from '../migration-helpers.js'

export async function up(db: Kysely<unknown>, dialect: MigrationDialect): Promise<void> {
  // A team's notification channels; `config` is the encrypted JSON of the URL and signing secret.
  await db.schema
    .createTable('notification_channels')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('team_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('notification_channels_team_name', ['team_id', 'name'])
    .execute()
  // One row per event per channel, written in the transaction of the fact it reports; the
  // delivery worker claims due rows (claimed_by) and records each attempt.
  await db.schema
    .createTable('notification_outbox')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('team_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('channel_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('event', 'varchar(64)', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('claimed_by', 'varchar(64)')
    .addColumn('claimed_at', 'varchar(32)')
    .addColumn('last_error', 'text')
    .addColumn('last_status_code', 'integer')
    .addColumn('delivered_at', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('notification_outbox_due')
    .on('notification_outbox')
    .columns(['status', 'next_attempt_at'])
    .execute()
  await db.schema
    .createIndex('notification_outbox_team')
    .on('notification_outbox')
    .columns(['team_id', 'created_at'])
    .execute()
  // The delivery log: one row per attempt.
  await autoIdColumn(db.schema.createTable('notification_attempts'), dialect)
    .addColumn('outbox_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('at', 'varchar(32)', (c) => c.notNull())
    .addColumn('ok', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('notification_attempts_outbox')
    .on('notification_attempts')
    .columns(['outbox_id'])
    .execute()
}
