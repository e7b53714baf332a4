import type { CreateTableBuilder } from 'kysely'

export type MigrationDialect = 'sqlite' | 'postgres'

/** A surrogate integer key for append-heavy tables, written the way each dialect wants it. */
export function autoIdColumn<T extends string>(table: CreateTableBuilder<T>, dialect: MigrationDialect) {
  return dialect === 'postgres'
    ? table.addColumn('id', 'bigserial', (c) => c.primaryKey())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
}
