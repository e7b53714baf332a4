import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { DatabaseTarget } from '../config.js'
import type { DB } from './schema.js'

export type Database = {
  db: Kysely<DB>
  dialect: 'sqlite'
  /** Runs cheap queries to prove the database answers (used by /health). */
  ping(): Promise<void>
  close(): Promise<void>
}

/** Creates a directory only its owner can enter (the data dir holds the database and the app key). */
export function ensurePrivateDir(path: string): void {
  if (!existsSync(path)) mkdirSync(path, { recursive: true, mode: 0o700 })
}

// SQLite gives the -wal and -shm files the permissions of the database file, so creating the
// file as 0600 before SQLite opens it keeps all three private.
function createPrivateFile(path: string): void {
  if (existsSync(path)) return
  closeSync(openSync(path, 'a', 0o600))
  chmodSync(path, 0o600)
}

export function openSqlite(path: string): SqliteDatabase.Database {
  ensurePrivateDir(dirname(path))
  createPrivateFile(path)
  const sqlite = new SqliteDatabase(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('synchronous = NORMAL')
  return sqlite
}

export function openDatabase(target: DatabaseTarget): Database {
  if (target.dialect !== 'sqlite') throw new Error('PostgreSQL is not supported yet')
  const sqlite = openSqlite(target.path)
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) })
  return {
    db,
    dialect: 'sqlite',
    async ping() {
      sqlite.prepare('select 1').get()
    },
    async close() {
      await db.destroy()
    },
  }
}
