import { type Kysely, sql } from 'kysely'
import type { MigrationDialect } from '../migration-helpers.js'

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  // Instance administration apart from team roles; a disabled user's sessions and tokens stop at once.
  await db.schema
    .alterTable('users')
    .addColumn('instance_admin', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema.alterTable('users').addColumn('disabled_at', 'varchar(32)').execute()
  // Existing installs keep today's behaviour for a single team: whoever owned the first team (the
  // admins created before teams could be told apart) administers the instance; owners of any
  // other team stay owners of that team only.
  await sql`update users set instance_admin = 1 where id in (
      select m.user_id from memberships m
      where m.role = 'owner' and m.team_id = (select t.id from teams t order by t.created_at, t.id limit 1))`.execute(
    db,
  )

  // The default server is marked, never found by its name: renaming it changes nothing else.
  await db.schema
    .alterTable('servers')
    .addColumn('is_default', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await sql`update servers set is_default = 1 where team_id is null and name = 'localhost'`.execute(db)

  // One-time links: invitations into a team and password resets, stored as hashes only.
  await db.schema
    .createTable('invitations')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('team_id', 'varchar(36)', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('role', 'varchar(16)', (c) => c.notNull())
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_by', 'varchar(36)', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('accepted_at', 'varchar(32)')
    .addColumn('accepted_by', 'varchar(36)', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('revoked_at', 'varchar(32)')
    .execute()
  await db.schema.createIndex('invitations_team').on('invitations').column('team_id').execute()
  await db.schema
    .createTable('password_resets')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(36)', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
    .addColumn('created_by', 'varchar(36)', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('used_at', 'varchar(32)')
    .execute()
}
