import { existsSync } from 'node:fs'
import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { Actor, AuditService } from '../audit/audit.service.js'
import { ensurePrivateDir } from '../db/connection.js'
import type { BackupTable, DB } from '../db/schema.js'
import { snapshotSqlite } from '../db/snapshot.js'
import { newId, nowIso } from '../db/time.js'
import { BadRequestError, NotFoundError } from '../errors.js'
import { CHECKSUM_SUFFIX, checkBerthDatabase, compressWithChecksum } from './backup-file.js'

type Deps = {
  db: Kysely<DB>
  dialect: 'sqlite' | 'postgres'
  backupDir: string
  audit: Pick<AuditService, 'record'>
  logger: Pick<Logger, 'info' | 'error'>
  /** In the transaction that records a backup's end (notifications: backup.failed / backup.succeeded). */
  onFinished?: (trx: Kysely<DB>, backup: BackupView) => Promise<void>
}

export type BackupView = Omit<BackupTable, 'verified' | 'deleted_at'> & { verified: boolean }

export type BackupService = ReturnType<typeof createBackupService>

function view(row: BackupTable): BackupView {
  const { deleted_at: _deleted, ...rest } = row
  return { ...rest, size_bytes: row.size_bytes === null ? null : Number(row.size_bytes), verified: row.verified === 1 }
}

export function createBackupService({ db, dialect, backupDir, audit, logger, onFinished }: Deps) {
  let running: Promise<BackupView> | undefined

  /** A backup's outcome, its audit row and its notifications: one transaction. */
  async function finish(
    id: string,
    outcome: Pick<BackupTable, 'status'> & Partial<BackupTable>,
    actor: Actor,
    action: string,
    details: Record<string, unknown>,
  ) {
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('backups')
        .set({ ...outcome, finished_at: nowIso() })
        .where('id', '=', id)
        .execute()
      await audit.record(trx, actor, { action, resourceType: 'backup', resourceId: id, details })
      const row = await trx.selectFrom('backups').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
      await onFinished?.(trx, view(row))
    })
  }

  async function record(actor: Actor, action: string, id: string | undefined, details: Record<string, unknown>) {
    await db
      .transaction()
      .execute((trx) => audit.record(trx, actor, { action, resourceType: 'backup', resourceId: id, details }))
  }

  /**
   * Online snapshot (VACUUM INTO, consistent while writers go on), integrity check of the copy,
   * gzip, sha256 beside it. Any failing step marks the backup failed and removes its files:
   * a backup is reported done only when it was proven readable.
   */
  async function runBackup(trigger: string, actor: Actor, directory: string): Promise<BackupView> {
    if (dialect !== 'sqlite')
      throw new BadRequestError(
        'unsupported_dialect',
        'Berth backs up its embedded SQLite database; on PostgreSQL use pg_dump.',
      )
    const id = newId()
    const stamp = nowIso().replace(/[:.]/g, '-')
    const fileName = `berth-${stamp}.db.gz`
    const snapshot = join(directory, `.${id}.db`)
    const target = join(directory, fileName)
    const startedAt = nowIso()
    await db
      .insertInto('backups')
      .values({
        id,
        directory,
        file_name: fileName,
        status: 'running',
        trigger,
        size_bytes: null,
        sha256: null,
        verified: 0,
        error: null,
        started_at: startedAt,
        finished_at: null,
        deleted_at: null,
      })
      .execute()
    try {
      // Inside the try: a backup directory that cannot be made is a failed backup everyone hears of.
      ensurePrivateDir(directory)
      await snapshotSqlite(db, snapshot)
      checkBerthDatabase(snapshot)
      const { sha256, sizeBytes } = await compressWithChecksum(snapshot, target)
      await finish(id, { status: 'succeeded', sha256, size_bytes: sizeBytes, verified: 1 }, actor, 'backup.created', {
        file: fileName,
        size_bytes: sizeBytes,
        sha256,
        trigger,
      })
      logger.info({ backup: fileName, sizeBytes }, 'backup verified')
    } catch (error) {
      const message = (error as Error).message
      await removeLeftover(target)
      await removeLeftover(`${target}${CHECKSUM_SUFFIX}`)
      await finish(id, { status: 'failed', error: message }, actor, 'backup.failed', {
        file: fileName,
        error: message,
        trigger,
      })
      logger.error({ err: error, backup: fileName }, 'backup failed')
    } finally {
      await removeLeftover(snapshot)
    }
    return get(id)
  }

  /** One backup at a time: a second request while one runs waits for and returns the same result. */
  function create(trigger: string, actor: Actor, directory = backupDir): Promise<BackupView> {
    running ??= runBackup(trigger, actor, directory).finally(() => (running = undefined))
    return running
  }

  async function get(id: string): Promise<BackupView> {
    const row = await db
      .selectFrom('backups')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    if (!row) throw new NotFoundError(`Backup ${id} was not found.`)
    return view(row)
  }

  async function list(): Promise<BackupView[]> {
    const rows = await db
      .selectFrom('backups')
      .selectAll()
      .where('deleted_at', 'is', null)
      .orderBy('started_at', 'desc')
      .execute()
    return rows.map(view)
  }

  /** The file of a verified backup, for download. */
  async function filePath(id: string): Promise<{ path: string; fileName: string; sizeBytes: number }> {
    const backup = await get(id)
    const path = join(backup.directory, backup.file_name)
    if (backup.status !== 'succeeded' || !existsSync(path))
      throw new NotFoundError(`Backup ${id} has no file to download.`)
    return { path, fileName: backup.file_name, sizeBytes: (await stat(path)).size }
  }

  /** Deletes backups older than the retention, always keeping the newest verified one. */
  async function prune(retentionDays: number, actor: Actor): Promise<string[]> {
    const cutoff = new Date(Date.now() - retentionDays * 86_400_000).toISOString()
    const newestVerified = await db
      .selectFrom('backups')
      .select('id')
      .where('status', '=', 'succeeded')
      .where('deleted_at', 'is', null)
      .orderBy('started_at', 'desc')
      .executeTakeFirst()
    const old = await db
      .selectFrom('backups')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('started_at', '<', cutoff)
      .execute()
    const pruned: string[] = []
    for (const row of old.filter((r) => r.id !== newestVerified?.id && r.status !== 'running')) {
      await rm(join(row.directory, row.file_name), { force: true })
      await rm(join(row.directory, `${row.file_name}${CHECKSUM_SUFFIX}`), { force: true })
      await db.updateTable('backups').set({ deleted_at: nowIso() }).where('id', '=', row.id).execute()
      pruned.push(row.file_name)
    }
    if (pruned.length > 0)
      await record(actor, 'backup.pruned', undefined, { files: pruned, retention_days: retentionDays })
    return pruned
  }

  async function lastSucceeded(): Promise<BackupView | undefined> {
    const row = await db
      .selectFrom('backups')
      .selectAll()
      .where('status', '=', 'succeeded')
      .where('deleted_at', 'is', null)
      .orderBy('started_at', 'desc')
      .executeTakeFirst()
    return row && view(row)
  }

  /** The newest backup that ended, well or not: what the dashboard reports. */
  async function lastFinished(): Promise<BackupView | undefined> {
    const row = await db
      .selectFrom('backups')
      .selectAll()
      .where('status', '!=', 'running')
      .where('deleted_at', 'is', null)
      .orderBy('started_at', 'desc')
      .executeTakeFirst()
    return row && view(row)
  }

  return { create, get, list, filePath, prune, lastSucceeded, lastFinished }
}

/** Removes a file a failed step may have left; a path whose folder never came to be holds none. */
async function removeLeftover(path: string) {
  await rm(path, { force: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOTDIR') throw error
  })
}
