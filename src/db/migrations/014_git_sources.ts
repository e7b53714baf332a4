import type { Kysely } from 'kysely'

export async function up(db: Kysely<unknown>): Promise<void> {
  // A service's Git repository: what to fetch and how to build it. The private deploy key, the HTTPS
  // token, the webhook secret and the build secrets are stored encrypted (enc:v1); the CI deploy
  // token only as its SHA-256.
  await db.schema
    .createTable('git_sources')
    .addColumn('service_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('team_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('repo_url', 'varchar(1000)', (c) => c.notNull())
    .addColumn('branch', 'varchar(255)', (c) => c.notNull())
    .addColumn('base_dir', 'varchar(500)', (c) => c.notNull())
    .addColumn('dockerfile_path', 'varchar(500)')
    .addColumn('compose_path', 'varchar(500)')
    .addColumn('compose_service', 'varchar(63)', (c) => c.notNull())
    .addColumn('auth', 'varchar(16)', (c) => c.notNull())
    .addColumn('deploy_key_public', 'text')
    .addColumn('deploy_key_private', 'text')
    .addColumn('https_token', 'text')
    .addColumn('webhook_secret', 'text', (c) => c.notNull())
    .addColumn('deploy_token_hash', 'varchar(64)')
    .addColumn('build_args', 'text', (c) => c.notNull())
    .addColumn('build_secrets', 'text')
    .addColumn('keep_images', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
    .execute()
  // What a Git deployment built: the ref asked for, then the commit it resolved to and its image.
  for (const [column, type] of [
    ['git_ref', 'varchar(255)'],
    ['git_commit', 'varchar(64)'],
    ['git_message', 'text'],
    ['git_author', 'varchar(255)'],
    ['image', 'varchar(255)'],
  ] as const)
    await db.schema.alterTable('deployments').addColumn(column, type).execute()
}
