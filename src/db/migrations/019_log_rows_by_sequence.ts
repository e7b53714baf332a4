import { sql, type Kysely } from 'kysely'
import type { MigrationDialect } from '../migration-helpers.js'

/**
 * Deployment log rows keyed by what identifies them, `(deployment_id, seq)`, instead of a surrogate
 * id plus a unique index on those columns: every appended line then updates one B-tree instead of
 * two (SQLite stores the rows in the key's own tree, `WITHOUT ROWID`). Nothing read the id.
 */
export async function up(db: Kysely<unknown>, dialect: MigrationDialect): Promise<void> {
  if (dialect === 'postgres') {
    await sql`alter table deployment_logs drop column id`.execute(db)
    await db.schema.dropIndex('deployment_logs_deployment_seq').execute()
    await sql`alter table deployment_logs add constraint deployment_logs_pk primary key (deployment_id, seq)`.execute(
      db,
    )
    return
  }
  // SQLite cannot change a table's key in place: build the keyed table, copy in key order, swap.
  await db.schema
    .createTable('deployment_logs_keyed')
    .addColumn('deployment_id', 'varchar(36)', (c) => c.notNull().references('deployments.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('ts', 'varchar(32)', (c) => c.notNull())
    .addColumn('stream', 'varchar(8)', (c) => c.notNull())
    .addColumn('output', 'text', (c) => c.notNull())
    .addColumn('hidden', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('deployment_logs_pk', ['deployment_id', 'seq'])
    .modifyEnd(sql`without rowid`)
    .execute()
  await sql`insert into deployment_logs_keyed (deployment_id, seq, ts, stream, output, hidden)
            select deployment_id, seq, ts, stream, output, hidden from deployment_logs order by deployment_id, seq`.execute(
    db,
  )
  await db.schema.dropTable('deployment_logs').execute()
  await db.schema.alterTable('deployment_logs_keyed').renameTo('deployment_logs').execute()
}
