import { chmodSync } from 'node:fs'
import { sql, type Kysely } from 'kysely'
import type { DB } from './schema.js'

/**
 * Writes a consistent copy of the live SQLite database to `path` with VACUUM INTO, which reads
 * one snapshot while other connections keep writing (a file copy of a WAL database would not be consistent).
 */
export async function snapshotSqlite(db: Kysely<DB>, path: string): Promise<void> {
  await sql`vacuum into ${path}`.execute(db)
  chmodSync(path, 0o600)
}
