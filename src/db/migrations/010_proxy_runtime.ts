import type { Kysely } from 'kysely'
import { autoIdColumn, type MigrationDialect } from '../migration-helpers.js'

export async function up(db: Kysely<unknown>, dialect: MigrationDialect): Promise<void> {
  // The proxy container Berth runs on a server: one row per server, its settings and which compose
  // version is current. Deployments of it are ordinary `deployments` rows (resource_type 'proxy').
  await db.schema
    .createTable('server_proxies')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('server_id', 'varchar(36)', (c) => c.notNull().unique().references('servers.id').onDelete('cascade'))
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('image', 'varchar(500)', (c) => c.notNull())
    .addColumn('binary_path', 'varchar(1024)')
    .addColumn('extra_mounts', 'text', (c) => c.notNull())
    .addColumn('current_version', 'integer', (c) => c.notNull())
    .addColumn('desired_state', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute()
  // Immutable, like compose_versions: a rollback appends a copy of an older version.
  await autoIdColumn(db.schema.createTable('server_proxy_versions'), dialect)
    .addColumn('proxy_id', 'varchar(36)', (c) => c.notNull().references('server_proxies.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('image', 'varchar(500)', (c) => c.notNull())
    .addColumn('compose_yaml', 'text', (c) => c.notNull())
    .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
    .addColumn('author', 'varchar(200)', (c) => c.notNull())
    .addColumn('reason', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('server_proxy_versions_proxy_version', ['proxy_id', 'version'])
    .execute()
}
