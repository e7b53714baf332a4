import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openDatabase, type Database } from '../src/db/connection.js'
import { claimQueued, insertQueued } from '../src/deployments/deployments.repo.js'
import { TEST_DIALECT } from './support/dialect.js'
import { startTestApp, type TestApp } from './support/harness.js'

// Two database handles with their own connections stand for two Berth processes sharing one
// database (the PostgreSQL pass is the case that matters: several processes on one server).
// On SQLite two connections in one thread cannot overlap (the synchronous driver blocks the thread
// that would release the lock), so this runs in the PostgreSQL pass.
const onlyPostgres = TEST_DIALECT === 'postgres' ? false : 'PostgreSQL-specific: concurrent claimers on a shared server'
describe('claiming queued deployments from two connections at once', { skip: onlyPostgres }, () => {
  let t: TestApp
  let other: Database
  before(async () => {
    t = await startTestApp()
    // Stop this app's own workers so only the two claimers below take work.
    await t.app.stopBackground()
    other = openDatabase(t.app.config.database)
  })
  after(async () => {
    await other.close()
    await t.close()
  })

  it('never claims a deployment twice and never exceeds the server limit together', async () => {
    const server = await t.app.db
      .selectFrom('servers')
      .select(['id', 'name'])
      .where('name', '=', 'localhost')
      .executeTakeFirstOrThrow()
    for (let i = 0; i < 8; i++)
      await insertQueued(t.app.db, {
        teamId: 'team',
        resource: { type: 'service', id: `resource-${i}`, name: `r${i}` },
        server,
        action: 'deploy',
        trigger: 'api',
        createdBy: 'test',
      })
    const claimed = []
    for (let round = 0; round < 5; round++) {
      const [a, b] = await Promise.all([
        claimQueued(t.app.db, server.id, 2, 'worker-a'),
        claimQueued(other.db, server.id, 2, 'worker-b'),
      ])
      claimed.push(...a, ...b)
      const running = await t.app.db
        .selectFrom('deployments')
        .select('id')
        .where('status', '=', 'in_progress')
        .execute()
      assert.ok(running.length <= 2, `round ${round}: ${running.length} in progress on a server limited to 2`)
    }
    const ids = claimed.map((d) => d.id)
    assert.equal(new Set(ids).size, ids.length, 'no deployment was claimed twice')
    assert.equal(ids.length, 2, 'with nothing finishing, exactly the limit was claimed')
  })
})
