import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // A team's login to a private image registry: deployments of the team's services pull with it.
  // The password (or token) is stored encrypted (enc:v1) and never returned.
  await db.schema
    .createTable('registry_credentials')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('team_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('username', 'varchar(255)', (c) => c.notNull())
    .addColumn('password', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute()
  await db.schema
    .createIndex('registry_credentials_team_host')
    .on('registry_credentials')
    .columns(['team_id', 'host'])
    .unique()
    .execute()
  // Preview deployments of a Git service: on when preview_domain is set (each pull request runs on
  // pr-<n>.<preview_domain>, routed to compose_service on preview_port). A preview is a service of its
  // own whose Git source names the service it previews (preview_of).
  for (const [column, type] of [
    ['preview_domain', 'varchar(253)'],
    ['preview_port', 'integer'],
    ['preview_of', 'varchar(36)'],
  ] as const)
    await db.schema.alterTable('git_sources').addColumn(column, type).execute()
  await db.schema
    .createTable('git_previews')
    .addColumn('service_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('preview_service_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('domain_id', 'varchar(36)')
    .addColumn('branch', 'varchar(255)', (c) => c.notNull())
    .addColumn('head_commit', 'varchar(64)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('git_previews_pk', ['service_id', 'number'])
    .execute()
}
