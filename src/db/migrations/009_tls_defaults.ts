import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { MigrationDialect } from '../migration-helpers.js'

export async function up(db: Kysely<unknown>, _dialect: MigrationDialect): Promise<void> {
  // A domain's TLS is one of three kinds now, not a flag: none, a certificate from the ACME resolver
  // (what tls = 1 meant), or the proxy's own certificate for hosts that are not public.
  await db.schema
    .alterTable('proxy_domains')
    .addColumn('tls_mode', 'varchar(16)', (c) => c.notNull().defaultTo('acme'))
    .execute()
  await sql`update proxy_domains set tls_mode = 'none' where tls = 0`.execute(db)
  await db.schema.alterTable('proxy_domains').dropColumn('tls').execute()
}
