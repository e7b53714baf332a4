import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely'
import pg from 'pg'
import type { DatabaseTarget } from '../config.js'
import type { DB } from './schema.js'
import { startWalCheckpointer, type WalCheckpointer } from './wal-checkpointer.js'

export type Database = {
  db: Kysely<DB>
  dialect: 'sqlite' | 'postgres'
  /** Runs a cheap query to prove the database answers (used by /health). */
  ping(): Promise<void>
  /**
   * The serving process's: SQLite's WAL checkpoints run on a thread of their own from now on
   * (wal-checkpointer.ts) until close(). Nothing to do on PostgreSQL.
   */
  checkpointInBackground(report: Parameters<typeof startWalCheckpointer>[2]): void
  /** Size of the database and of SQLite's write-ahead log (null on PostgreSQL), for health and metrics. */
  sizes(): Promise<{ databaseBytes: number; walBytes: number | null }>
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

const STATEMENT_CACHE_SIZE = 512

/**
 * Kysely asks better-sqlite3 to prepare every query anew, and preparing costs more than running
 * a small query. Kysely emits the same SQL text for the same query shape, so caching prepared
 * statements by text makes repeated reads and writes several times cheaper. Safe because Kysely
 * runs one statement at a time on this single connection.
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>()
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      let statement = cache.get(sqlText)
      if (!statement) {
        statement = sqlite.prepare(sqlText)
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!)
        cache.set(sqlText, statement)
      }
      return statement
    },
  }
}

/**
 * Two changes to Kysely's SQLite transactions:
 * - They begin IMMEDIATE (taking the write lock at once, waiting up to busy_timeout for it), where
 *   Kysely's plain BEGIN takes it at the first write. A transaction that read first and then finds
 *   another process committed since (`berth serve` and a CLI command on one data dir) fails at once
 *   with "database is locked", busy_timeout or not. A reader process, which never writes, keeps BEGIN.
 * - On some errors (SQLITE_FULL, SQLITE_IOERR) SQLite rolls the transaction back by itself; Kysely's
 *   ROLLBACK after that fails with "no transaction is active" and that error replaces the real one
 *   (a full disk would read as an internal error). Roll back only what is still open.
 */
class BerthSqliteDialect extends SqliteDialect {
  readonly #sqlite: SqliteDatabase.Database
  readonly #config: SqliteDialectConfig
  readonly #begin: CompiledQuery
  constructor(sqlite: SqliteDatabase.Database, readOnly: boolean) {
    const config = { database: withStatementCache(sqlite) }
    super(config)
    this.#sqlite = sqlite
    this.#config = config
    this.#begin = CompiledQuery.raw(readOnly ? 'begin' : 'begin immediate')
  }
  override createDriver(): Driver {
    const sqlite = this.#sqlite
    const begin = this.#begin
    return new (class extends SqliteDriver {
      override async beginTransaction(connection: DatabaseConnection): Promise<void> {
        await connection.executeQuery(begin)
      }
      override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
        if (sqlite.inTransaction) await super.rollbackTransaction(connection)
      }
    })(this.#config)
  }
}

// PostgreSQL returns int8 (count(*), bigserial ids, byte sizes) as strings to keep precision;
// Berth's figures stay far below 2^53, and numbers keep the two dialects' rows alike.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => Number(text))

/** Called when PostgreSQL drops an idle pooled connection (a server restart, a terminated backend). */
export type ConnectionErrorHandler = (error: Error) => void

const reportToStderr: ConnectionErrorHandler = (error) =>
  process.stderr.write(`berth: a PostgreSQL connection broke (${error.message}); the next query opens a new one\n`)

function openPostgres(url: string, onConnectionError: ConnectionErrorHandler, readOnly: boolean): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
  })
  // A broken client emits 'error' whether idle or checked out (the query in flight fails with the
  // same error and is answered 503); an 'error' without a listener would end the process. Each
  // client reports it once through its own listener; the pool drops the broken client by itself.
  pool.on('connect', (client) => client.on('error', onConnectionError))
  pool.on('error', () => {
    // Already reported by the client's own listener above.
  })
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) })
  return {
    db,
    dialect: 'postgres',
    async ping() {
      await sql`select 1`.execute(db)
    },
    checkpointInBackground() {
      // PostgreSQL checkpoints in its own server processes.
    },
    async sizes() {
      const result = await sql<{ size: number }>`select pg_database_size(current_database()) as size`.execute(db)
      return { databaseBytes: Number(result.rows[0]?.size ?? 0), walBytes: null }
    },
    close: () => db.destroy(),
  }
}

/**
 * Opens Berth's database. `readOnly` is a reader process's (BERTH_HTTP_PROCESSES > 1): any write
 * fails at once instead of waiting for the serving process's write lock, which on SQLite would
 * hold the reader's whole event loop.
 */
export function openDatabase(
  target: DatabaseTarget,
  onConnectionError: ConnectionErrorHandler = reportToStderr,
  { readOnly = false } = {},
): Database {
  if (target.dialect === 'postgres') return openPostgres(target.url, onConnectionError, readOnly)
  const sqlite = openSqlite(target.path)
  if (readOnly) sqlite.pragma('query_only = 1')
  const db = new Kysely<DB>({ dialect: new BerthSqliteDialect(sqlite, readOnly) })
  let checkpointer: WalCheckpointer | undefined
  return {
    db,
    dialect: 'sqlite',
    async ping() {
      sqlite.prepare('select 1').get()
    },
    checkpointInBackground(report) {
      checkpointer ??= startWalCheckpointer(sqlite, target.path, report)
    },
    async sizes() {
      const size = (path: string) => (existsSync(path) ? statSync(path).size : 0)
      return { databaseBytes: size(target.path), walBytes: size(`${target.path}-wal`) }
    },
    async close() {
      await checkpointer?.stop()
      await db.destroy()
    },
  }
}
