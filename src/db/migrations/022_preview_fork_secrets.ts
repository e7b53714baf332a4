import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // Whether a preview of a pull request from a fork gets the service's secrets (its secret
  // variables and build secrets): off (0) by default, as GitHub keeps secrets from forks' workflows,
  // since the fork's code runs with whatever it is given.
  await db.schema
    .alterTable('git_sources')
    .addColumn('preview_fork_secrets', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  // A preview of a request from a fork: the fork's repository it is built from (null: the service's own).
  await db.schema.alterTable('git_previews').addColumn('fork_repo_url', 'varchar(1000)').execute()
}
