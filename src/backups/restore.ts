import { existsSync, renameSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Config } from '../config.js'
import { openDatabase } from '../db/connection.js'
import { knownMigrations, migrateToLatest } from '../db/migrate.js'
import { snapshotSqlite } from '../db/snapshot.js'
import { runningServerPid } from '../data-dir-lock.js'
import { checkBerthDatabase, verifyAndDecompress } from './backup-file.js'

export type RestoreReport = { safetyCopy: string | null; migrationsApplied: string[]; sha256: string }

/**
 * Replaces the database with a verified backup. Order matters: everything that can fail
 * (server running, checksum, decompression, integrity, foreignness) is checked before the live
 * database is touched; the current database is then kept as pre-restore-<time>.db.
 */
export async function restoreBackup(config: Config, backupPath: string): Promise<RestoreReport> {
  if (config.database.dialect !== 'sqlite')
    throw new Error('berth restore restores the embedded SQLite database; on PostgreSQL use pg_restore')
  const pid = runningServerPid(config.dataDir)
  if (pid) throw new Error(`a Berth server (pid ${pid}) is running on ${config.dataDir}; stop it before restoring`)
  if (!existsSync(backupPath)) throw new Error(`no backup file at ${backupPath}`)

  const livePath = config.database.path
  const staged = join(dirname(livePath), `.restore-${process.pid}.db`)
  let sha256: string
  try {
    ;({ sha256 } = await verifyAndDecompress(backupPath, staged))
    const unknown = checkBerthDatabase(staged).migrations.filter((m) => !knownMigrations().includes(m))
    if (unknown.length > 0)
      throw new Error(`the backup comes from a newer Berth (migrations ${unknown.join(', ')}); upgrade Berth first`)
  } catch (error) {
    rmSync(staged, { force: true })
    throw new Error(`restore refused, nothing was changed: ${(error as Error).message}`, { cause: error })
  }

  let safetyCopy: string | null = null
  if (existsSync(livePath)) {
    safetyCopy = join(dirname(livePath), `pre-restore-${new Date().toISOString().replace(/[:.]/g, '-')}.db`)
    const current = openDatabase(config.database)
    try {
      await snapshotSqlite(current.db, safetyCopy)
    } finally {
      await current.close()
    }
  }
  // The old WAL and shared-memory files belong to the old database and must not be replayed onto the new one.
  for (const suffix of ['-wal', '-shm']) rmSync(`${livePath}${suffix}`, { force: true })
  renameSync(staged, livePath)

  const restored = openDatabase(config.database)
  try {
    const { ranNow } = await migrateToLatest(restored.db, 'sqlite')
    return { safetyCopy, migrationsApplied: ranNow, sha256 }
  } finally {
    await restored.close()
  }
}
