import { sql, type Kysely } from 'kysely'
import { autoIdColumn, type MigrationDialect } from '../migration-helpers.js'

export async function up(db: Kysely<unknown>, dialect: MigrationDialect): Promise<void> {
  // A server with no team is shared by every team (the built-in localhost engine).
  await db.schema
    .createTable('servers')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('team_id', 'varchar(36)', (c) => c.references('teams.id').onDelete('cascade'))
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('docker_host', 'varchar(500)', (c) => c.notNull())
    .addColumn('ssh_private_key', 'text')
    .addColumn('concurrency_limit', 'integer', (c) => c.notNull())
    .addColumn('queue_limit', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('servers_team').on('servers').column('team_id').execute()

  // Which engine a service (or database) runs on; null means the shared localhost server.
  await db.schema
    .alterTable('services')
    .addColumn('server_id', 'varchar(36)', (c) => c.references('servers.id').onDelete('set null'))
    .execute()

  // A standalone database is a service whose compose file Berth generated from a template: it
  // shares the service's id, so versions, diff and rollback work unchanged. Credentials live as
  // secret (encrypted) variables in service_env.
  await db.schema
    .createTable('databases')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey().references('services.id').onDelete('cascade'))
    .addColumn('type', 'varchar(32)', (c) => c.notNull())
    .addColumn('version', 'varchar(64)', (c) => c.notNull())
    .addColumn('image', 'varchar(500)', (c) => c.notNull())
    .addColumn('public_port', 'integer')
    .addColumn('volume_name', 'varchar(200)', (c) => c.notNull())
    .addColumn('db_user', 'varchar(63)', (c) => c.notNull())
    .addColumn('db_name', 'varchar(63)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute()

  // No foreign keys to the resource or server: the history outlives them (names are copied in).
  await db.schema
    .createTable('deployments')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('team_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('resource_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('resource_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('resource_name', 'varchar(200)', (c) => c.notNull())
    .addColumn('server_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('server_name', 'varchar(200)', (c) => c.notNull())
    .addColumn('action', 'varchar(16)', (c) => c.notNull())
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('trigger', 'varchar(16)', (c) => c.notNull())
    .addColumn('compose_version', 'integer')
    .addColumn('force', 'integer', (c) => c.notNull())
    .addColumn('pull_latest_images', 'integer', (c) => c.notNull())
    .addColumn('stop_before_start', 'integer', (c) => c.notNull())
    .addColumn('exit_code', 'integer')
    .addColumn('message', 'text')
    // The process group of the running compose command, so a restarted Berth can end a leftover one.
    .addColumn('process_id', 'integer')
    .addColumn('created_by', 'varchar(320)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('started_at', 'varchar(32)')
    .addColumn('finished_at', 'varchar(32)')
    .execute()
  // Covers a resource's history (count and newest-first page) without touching the table.
  await db.schema
    .createIndex('deployments_resource')
    .on('deployments')
    .columns(['resource_id', 'resource_type', 'team_id', 'created_at'])
    .execute()
  await db.schema
    .createIndex('deployments_team_status')
    .on('deployments')
    .columns(['team_id', 'status', 'created_at'])
    .execute()
  await db.schema
    .createIndex('deployments_server_status')
    .on('deployments')
    .columns(['server_id', 'status', 'created_at'])
    .execute()
  // Finds servers with queued work (the workers' safety-net poll) without scanning the table.
  await db.schema.createIndex('deployments_status_server').on('deployments').columns(['status', 'server_id']).execute()
  await db.schema.createIndex('deployments_finished').on('deployments').columns(['finished_at']).execute()

  // Append-only: one row per output line, so a growing log never rewrites what is stored.
  await autoIdColumn(db.schema.createTable('deployment_logs'), dialect)
    .addColumn('deployment_id', 'varchar(36)', (c) => c.notNull().references('deployments.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('ts', 'varchar(32)', (c) => c.notNull())
    .addColumn('stream', 'varchar(8)', (c) => c.notNull())
    .addColumn('output', 'text', (c) => c.notNull())
    .addColumn('hidden', 'integer', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('deployment_logs_deployment_seq')
    .on('deployment_logs')
    .columns(['deployment_id', 'seq'])
    .unique()
    .execute()

  const now = new Date().toISOString()
  await sql`insert into servers (id, team_id, name, docker_host, ssh_private_key, concurrency_limit, queue_limit, created_at, updated_at)
    values (${crypto.randomUUID()}, null, 'localhost', 'unix:///var/run/docker.sock', null, 2, 25, ${now}, ${now})`.execute(
    db,
  )
}
