import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { CompiledQuery } from 'kysely'
import { openDatabase, type Database } from '../db/connection.js'
import { migrateToLatest } from '../db/migrate.js'
import { deploymentRow } from '../../test/support/deployment-rows.js'
import { listTeam } from './deployments.repo.js'

describe("a team's deployments page", () => {
  let dir: string
  let database: Database
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-deployments-page-'))
    database = openDatabase({ dialect: 'sqlite', path: join(dir, 'berth.db') })
    await migrateToLatest(database.db, 'sqlite')
    // 2,000 deployments of team-a written out of time order, and 10 of another team.
    const rows = Array.from({ length: 2010 }, (_, i) =>
      deploymentRow({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        team_id: i < 2000 ? 'team-a' : 'team-b',
        created_at: new Date(Date.UTC(2026, 0, 1) + ((i * 7919) % 2010) * 60_000).toISOString(),
      }),
    )
    for (let i = 0; i < rows.length; i += 200)
      await database.db
        .insertInto('deployments')
        .values(rows.slice(i, i + 200))
        .execute()
  })
  after(async () => {
    await database.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('lists the newest first, page by page, only of the team', async () => {
    const first = await listTeam(database.db, 'team-a', 0, 50)
    const second = await listTeam(database.db, 'team-a', 50, 50)
    assert.equal(first.count, 2000)
    const times = [...first.deployments, ...second.deployments].map((d) => d.created_at)
    assert.equal(times.length, 100)
    assert.deepEqual(times, [...times].sort().reverse())
    assert.ok(first.deployments.every((d) => d.team_id === 'team-a'))
  })

  it('reads just the page through an index instead of sorting every deployment of the team', async () => {
    const page = database.db
      .selectFrom('deployments')
      .selectAll()
      .where('team_id', '=', 'team-a')
      .orderBy('created_at', 'desc')
      .limit(50)
      .offset(0)
      .compile()
    const plan = await database.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${page.sql}`, [...page.parameters]),
    )
    const steps = plan.rows.map((r) => r.detail)
    assert.ok(
      steps.some((s) => s.includes('deployments_team_created')),
      steps.join('; '),
    )
    assert.ok(!steps.some((s) => s.includes('TEMP B-TREE')), steps.join('; '))
  })
})
