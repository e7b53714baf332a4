import { existsSync } from 'node:fs'
import { sql, type Kysely } from 'kysely'
import type { DatabaseTarget } from '../config.js'
import { openDatabase, type Database } from './connection.js'
import { knownMigrations, migrateToLatest, migrationStatus } from './migrate.js'

const BATCH_ROWS = 500
// Rows that migrations insert (the shared localhost server); a fresh target has them, and the copy replaces them.
const SEEDED_BY_MIGRATIONS = new Set(['servers'])

export type CopyReport = { tables: { name: string; rows: number }[] }

/** Tables in an order where every table comes after the tables its foreign keys point to. */
async function tablesInDependencyOrder(db: Kysely<any>): Promise<string[]> {
  const tables = (
    await sql<{
      name: string
    }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name`.execute(
      db,
    )
  ).rows.map((r) => r.name)
  const dependsOn = new Map<string, string[]>()
  for (const table of tables) {
    const keys = await sql<{ table: string }>`select "table" from pragma_foreign_key_list(${table})`.execute(db)
    dependsOn.set(
      table,
      keys.rows.map((k) => k.table).filter((t) => t !== table),
    )
  }
  const ordered: string[] = []
  const visit = (table: string) => {
    if (ordered.includes(table)) return
    for (const parent of dependsOn.get(table) ?? []) visit(parent)
    ordered.push(table)
  }
  tables.forEach(visit)
  return ordered
}

/** What a table's rows are read in order of: its primary key (a `WITHOUT ROWID` table has no rowid), else the rowid. */
async function readOrder(db: Kysely<any>, table: string) {
  const key = await sql<{
    name: string
  }>`select name from pragma_table_info(${table}) where pk > 0 order by pk`.execute(db)
  return sql.join((key.rows.length > 0 ? key.rows.map((r) => r.name) : ['rowid']).map((c) => sql.ref(c)))
}

async function countRows(db: Kysely<any>, table: string): Promise<number> {
  const result = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db)
  return Number(result.rows[0]?.n ?? 0)
}

/**
 * Copies every row of an SQLite installation into an empty PostgreSQL database migrated to the
 * same schema, in one transaction, then proves the row counts match table by table. The source
 * is only read.
 */
export async function copySqliteToPostgres(
  from: Extract<DatabaseTarget, { dialect: 'sqlite' }>,
  to: Extract<DatabaseTarget, { dialect: 'postgres' }>,
): Promise<CopyReport> {
  if (!existsSync(from.path)) throw new Error(`no SQLite database at ${from.path}`)
  const source = openDatabase(from)
  let target: Database | undefined
  try {
    const status = await migrationStatus(source.db, 'sqlite')
    if (status.pending.length > 0)
      throw new Error(
        `the source database has pending migrations (${status.pending.join(', ')}); run "berth migrate" on it first`,
      )
    const unknown = status.applied.filter((m) => !knownMigrations().includes(m))
    if (unknown.length > 0) throw new Error(`the source database comes from a newer Berth (${unknown.join(', ')})`)
    target = openDatabase(to)
    await migrateToLatest(target.db, 'postgres')
    const tables = await tablesInDependencyOrder(source.db)
    for (const table of tables.filter((t) => !SEEDED_BY_MIGRATIONS.has(t))) {
      if ((await countRows(target.db, table)) > 0)
        throw new Error(`the target database is not empty (table ${table} has rows); copy into a fresh database`)
    }
    await target.db.transaction().execute(async (trx) => {
      for (const table of [...tables].reverse().filter((t) => SEEDED_BY_MIGRATIONS.has(t)))
        await trx.deleteFrom(table as never).execute()
      for (const table of tables) {
        const order = await readOrder(source.db, table)
        for (let offset = 0; ; offset += BATCH_ROWS) {
          const rows = (
            await sql<
              Record<string, unknown>
            >`select * from ${sql.table(table)} order by ${order} limit ${BATCH_ROWS} offset ${offset}`.execute(
              source.db,
            )
          ).rows
          if (rows.length === 0) break
          await trx
            .insertInto(table as never)
            .values(rows as never)
            .execute()
        }
        // Rows kept their ids; move the id sequence past them so new rows do not collide.
        const serial = await sql<{
          seq: string
        }>`select pg_get_serial_sequence(${table}, column_name) as seq from information_schema.columns
                         where table_schema = current_schema() and table_name = ${table} and column_default like 'nextval%'`.execute(
          trx,
        )
        for (const { seq } of serial.rows) {
          await sql`select setval(${seq}, coalesce((select max(id) from ${sql.table(table)}), 0) + 1, false)`.execute(
            trx,
          )
        }
      }
    })
    const report: CopyReport = { tables: [] }
    for (const table of tables) {
      const [a, b] = [await countRows(source.db, table), await countRows(target.db, table)]
      if (a !== b) throw new Error(`row counts differ after the copy for ${table}: ${a} in SQLite, ${b} in PostgreSQL`)
      report.tables.push({ name: table, rows: a })
    }
    return report
  } finally {
    await source.close()
    await target?.close()
  }
}
