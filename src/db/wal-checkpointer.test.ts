import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { openDatabase, openSqlite } from './connection.js'
import { waitFor } from '../../test/support/docker.js'
import { startWalCheckpointer } from './wal-checkpointer.js'

const MiB = 1024 * 1024

describe('WAL checkpoints on a thread of their own', () => {
  it('leaves a commit to the WAL and copies it into the database file from the thread, then stops with close()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-checkpoint-'))
    const path = join(dir, 'berth.db')
    try {
      const database = openDatabase({ dialect: 'sqlite', path })
      database.checkpointInBackground((event) => assert.fail(JSON.stringify(event)))
      await sql`create table blobs (body text)`.execute(database.db)
      const before = statSync(path).size
      // 4 MiB in one commit: well past the 1,000 pages (4 MiB) at which SQLite checkpoints on commit.
      await database.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 64; i++) await sql`insert into blobs (body) values (${'x'.repeat(MiB / 16)})`.execute(trx)
      })
      assert.ok(
        statSync(path).size < before + MiB,
        'the commit itself checkpointed (it should leave that to the thread)',
      )
      await waitFor(
        'the thread to copy the WAL into the database file',
        async () => statSync(path).size > before + 3 * MiB,
        5000,
      )
      await database.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('reports a thread that cannot work, and lets the connection checkpoint on commit again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-checkpoint-'))
    const sqlite = openSqlite(join(dir, 'berth.db'))
    try {
      const failures: Error[] = []
      // The thread opens the file it is given, which must exist: this one does not.
      const checkpointer = startWalCheckpointer(sqlite, join(dir, 'missing.db'), (event) => {
        if ('error' in event) failures.push(event.error)
      })
      assert.equal(sqlite.pragma('wal_autocheckpoint', { simple: true }), 0)
      await waitFor('the failure to be reported', async () => failures.length === 1, 5000)
      assert.match(failures[0]!.message, /SQLITE_CANTOPEN/)
      assert.equal(sqlite.pragma('wal_autocheckpoint', { simple: true }), 1000)
      await checkpointer.stop()
    } finally {
      sqlite.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
