import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestApp, type TestApp } from './support/harness.js'

describe('registry logins API', () => {
  let t: TestApp
  let root: string
  before(async () => {
    t = await startTestApp()
    root = await t.token(['root'])
  })
  after(() => t.close())

  it('refuses a host with a scheme or a path with 400 naming the field, and stores nothing', async () => {
    for (const host of ['https://ghcr.io', 'ghcr.io/team', '-x', 'Registry.Example.com']) {
      const res = await t.call(root, 'POST', '/api/v1/registry-credentials', { host, username: 'u', password: 'p' })
      assert.equal(res.status, 400, host)
      assert.match(JSON.stringify(res.body.error.details), /host/)
    }
    assert.deepEqual((await t.call(root, 'GET', '/api/v1/registry-credentials')).body.registries, [])
  })

  it('keeps one login per registry (409 for a second) and keeps the password when a change omits it', async () => {
    const first = await t.call(root, 'POST', '/api/v1/registry-credentials', {
      host: 'ghcr.io',
      username: 'first',
      password: 'first-password-81',
    })
    assert.equal(first.status, 201)
    const again = await t.call(root, 'POST', '/api/v1/registry-credentials', {
      host: 'ghcr.io',
      username: 'second',
      password: 'second-password-82',
    })
    assert.equal(again.status, 409)
    assert.equal(again.body.error.code, 'host_taken')
    const renamed = await t.call(root, 'PATCH', `/api/v1/registry-credentials/${first.body.id}`, {
      username: 'renamed',
    })
    assert.equal(renamed.status, 200)
    assert.equal(renamed.body.username, 'renamed')
    assert.deepEqual(await t.app.registries.loginsFor(await teamOf(first.body.id)), [
      { host: 'ghcr.io', username: 'renamed', password: 'first-password-81' },
    ])
    const audit = JSON.stringify((await t.call(root, 'GET', '/api/v1/audit?limit=50')).body)
    assert.match(audit, /registry_credential\.updated/)
    assert.ok(!audit.includes('first-password-81') && !audit.includes('second-password-82'))
    assert.equal((await t.call(root, 'DELETE', `/api/v1/registry-credentials/${first.body.id}`)).status, 204)
    assert.equal((await t.call(root, 'DELETE', `/api/v1/registry-credentials/${first.body.id}`)).status, 404)
  })

  async function teamOf(id: string) {
    const row = await t.app.db
      .selectFrom('registry_credentials')
      .select('team_id')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    return row.team_id
  }
})
