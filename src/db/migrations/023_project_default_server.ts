import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../migration-helpers.js'

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  // The server new services and databases of a project are placed on (null: the instance's default
  // server). Removing that server clears the choice; the resources already placed keep theirs.
  await db.schema
    .alterTable('projects')
    .addColumn('default_server_id', 'varchar(36)', (c) => c.references('servers.id').onDelete('set null'))
    .execute()
}
