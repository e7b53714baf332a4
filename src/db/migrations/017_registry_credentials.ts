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
}
