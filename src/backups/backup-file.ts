import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs'
import { rm, writeFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGunzip, createGzip } from 'node:zlib'
import SqliteDatabase from 'better-sqlite3'

export const CHECKSUM_SUFFIX = '.sha256'

/** Opens a database file read-only and proves it is a sound Berth database; throws a sentence saying what is wrong. */
export function checkBerthDatabase(path: string): { migrations: string[] } {
  let sqlite: SqliteDatabase.Database | undefined
  try {
    sqlite = new SqliteDatabase(path, { readonly: true, fileMustExist: true })
    const integrity = sqlite.pragma('integrity_check', { simple: true })
    if (integrity !== 'ok') throw new Error(`integrity check failed: ${String(integrity)}`)
    const hasMigrations = sqlite
      .prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'")
      .get()
    if (!hasMigrations) throw new Error('it is not a Berth database (no migration table)')
    const migrations = (
      sqlite.prepare('select name from kysely_migration order by name').all() as { name: string }[]
    ).map((r) => r.name)
    return { migrations }
  } catch (error) {
    const message = (error as Error).message
    throw new Error(
      /file is not a database|malformed|integrity/i.test(message)
        ? `the file is not a sound SQLite database (${message})`
        : message,
      { cause: error },
    )
  } finally {
    sqlite?.close()
  }
}

/** Counts bytes and hashes what flows through, so the checksum is of exactly what was written. */
function hashingPassThrough(hash: ReturnType<typeof createHash>, counter: { bytes: number }) {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      counter.bytes += chunk.length
      callback(null, chunk)
    },
  })
}

/** Compresses `source` into `target` (gzip) and writes "<sha256>  <name>" beside it. */
export async function compressWithChecksum(
  source: string,
  target: string,
): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256')
  const counter = { bytes: 0 }
  await pipeline(
    createReadStream(source),
    createGzip({ level: 6 }),
    hashingPassThrough(hash, counter),
    createWriteStream(target, { mode: 0o600 }),
  )
  const sha256 = hash.digest('hex')
  await writeFile(`${target}${CHECKSUM_SUFFIX}`, `${sha256}  ${basename(target)}\n`, { mode: 0o600 })
  return { sha256, sizeBytes: counter.bytes }
}

/** Checks a backup against its .sha256 file and unpacks it to `target`; throws when either fails. */
export async function verifyAndDecompress(backupPath: string, target: string): Promise<{ sha256: string }> {
  const sidecar = `${backupPath}${CHECKSUM_SUFFIX}`
  if (!existsSync(sidecar)) throw new Error(`no checksum file ${basename(sidecar)} next to the backup`)
  const expected = readFileSync(sidecar, 'utf8').trim().split(/\s+/)[0]
  const hash = createHash('sha256')
  const counter = { bytes: 0 }
  try {
    await pipeline(
      createReadStream(backupPath),
      hashingPassThrough(hash, counter),
      createGunzip(),
      createWriteStream(target, { mode: 0o600 }),
    )
  } catch (error) {
    await rm(target, { force: true })
    throw new Error(
      `the backup cannot be decompressed (${(error as Error).message}); it is probably truncated or not a Berth backup`,
      { cause: error },
    )
  }
  const actual = hash.digest('hex')
  if (actual !== expected) {
    await rm(target, { force: true })
    throw new Error(`checksum mismatch: the file hashes to ${actual}, its .sha256 file says ${expected}`)
  }
  return { sha256: actual }
}
