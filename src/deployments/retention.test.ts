import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { createAuditService } from '../audit/audit.service.js'
import { openDatabase } from '../db/connection.js'
import { migrateToLatest } from '../db/migrate.js'
import { deploymentRow } from '../../test/support/deployment-rows.js'
import { pruneDeployments } from './retention.js'

describe('deployment retention', () => {
  it('prunes old deployments by status, keeps the newest per resource, removes their logs and audits the count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-retention-'))
    const database = openDatabase({ dialect: 'sqlite', path: join(dir, 'berth.db') })
    try {
      await migrateToLatest(database.db, 'sqlite')
      const db = database.db
      const now = new Date('2026-06-01T00:00:00.000Z')
      const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString()
      let n = 0
      async function add(resource: string, status: 'finished' | 'failed' | 'queued', age: number) {
        const id = `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`
        await db
          .insertInto('deployments')
          .values(
            deploymentRow({
              id,
              team_id: 'team-a',
              resource_id: resource,
              resource_name: resource,
              status,
              created_at: daysAgo(age),
              started_at: daysAgo(age),
              finished_at: status === 'queued' ? null : daysAgo(age),
            }),
          )
          .execute()
        await db
          .insertInto('deployment_logs')
          .values({ deployment_id: id, seq: 1, ts: daysAgo(age), stream: 'berth', output: 'x', hidden: 0 })
          .execute()
        return id
      }
      // Resource "busy": 12 recent + 5 very old; the old ones are beyond the newest 10 and past 90 days.
      for (let i = 0; i < 12; i++) await add('busy', 'finished', i)
      const oldFinished = await add('busy', 'finished', 100)
      const oldFailed = await add('busy', 'failed', 100)
      const ancientFailed = await add('busy', 'failed', 200)
      // Resource "quiet": only old deployments, all within its newest 10, so all kept.
      const quiet = await add('quiet', 'finished', 300)

      const result = await pruneDeployments(
        db,
        createAuditService(),
        { keepDays: 90, keepFailedDays: 180, keepLastPerResource: 10 },
        now,
      )
      assert.equal(result.deleted, 2)
      const left = new Set((await db.selectFrom('deployments').select('id').execute()).map((r) => r.id))
      assert.ok(
        !left.has(oldFinished) && !left.has(ancientFailed),
        'old finished (90 d) and old failed (180 d) are gone',
      )
      assert.ok(left.has(oldFailed), 'a failed deployment is kept 180 days')
      assert.ok(left.has(quiet), "a resource's newest ten are always kept")
      const orphanLogs = await db
        .selectFrom('deployment_logs')
        .select('deployment_id')
        .where('deployment_id', 'in', [oldFinished, ancientFailed])
        .execute()
      assert.equal(orphanLogs.length, 0)
      const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'deployments.pruned').execute()
      assert.equal(audit.length, 1)
      assert.equal(JSON.parse(audit[0]!.details).deleted, 2)
    } finally {
      await database.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
