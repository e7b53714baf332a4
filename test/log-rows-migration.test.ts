import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { sql } from 'kysely'
import { openDatabase } from '../src/db/connection.js'
import { migrateTo, migrateToLatest } from '../src/db/migrate.js'
import { readLogs } from '../src/deployments/deployments.repo.js'
import { databaseEnvFor, dropTestDatabase, TEST_DIALECT } from './support/dialect.js'

describe('migration 019: deployment log rows keyed by (deployment_id, seq)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-log-rows-'))
  after(async () => {
    await dropTestDatabase(dir)
    rmSync(dir, { recursive: true, force: true })
  })

  it('keeps every stored line in order, refuses a repeated sequence number and still cascades', async () => {
    const env = await databaseEnvFor(dir)
    const database = openDatabase(
      TEST_DIALECT === 'postgres'
        ? { dialect: 'postgres', url: env.DATABASE_URL! }
        : { dialect: 'sqlite', path: join(dir, 'berth.db') },
    )
    try {
      const db = database.db
      await migrateTo(db, TEST_DIALECT, '015_notification_rules')
      for (const id of ['d1', 'd2'])
        await sql`insert into deployments (id, team_id, resource_type, resource_id, resource_name, server_id, server_name, action, status, trigger, force, pull_latest_images, stop_before_start, created_by, created_at)
                  values (${id}, 't', 'service', 'r', 'r', 's', 's', 'deploy', 'finished', 'api', 0, 0, 0, 'b', '2026-11-29T00:00:00.000Z')`.execute(
          db,
        )
      // Stored out of key order, as interleaved writers would: the new key puts them in order.
      for (const [deployment, seq] of [
        ['d1', 2],
        ['d2', 1],
        ['d1', 1],
        ['d1', 3],
      ] as const)
        await sql`insert into deployment_logs (deployment_id, seq, ts, stream, output, hidden)
                  values (${deployment}, ${seq}, '2026-11-29T00:00:00.000Z', 'stdout', ${`${deployment} line ${seq}`}, 0)`.execute(
          db,
        )

      await migrateToLatest(db, TEST_DIALECT)

      assert.deepEqual(
        (await readLogs(db, 'd1', 0, 10)).map((l) => l.output),
        ['d1 line 1', 'd1 line 2', 'd1 line 3'],
      )
      assert.deepEqual(
        (await readLogs(db, 'd1', 1, 10)).map((l) => l.seq),
        [2, 3],
      )
      await assert.rejects(
        db
          .insertInto('deployment_logs')
          .values({ deployment_id: 'd1', seq: 2, ts: 'x', stream: 'stdout', output: 'again', hidden: 0 })
          .execute(),
        /unique|duplicate/i,
      )
      await db.deleteFrom('deployments').where('id', '=', 'd1').execute()
      assert.deepEqual(
        (await db.selectFrom('deployment_logs').select('deployment_id').execute()).map((r) => r.deployment_id),
        ['d2'],
      )
      if (TEST_DIALECT === 'sqlite')
        await assert.rejects(sql`select rowid from deployment_logs`.execute(db), /no such column: rowid/)
    } finally {
      await database.close()
    }
  })
})
