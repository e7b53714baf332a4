import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { TEST_DIALECT, sqliteOnly } from './support/dialect.js'
import { SAMPLE_COMPOSE, startTestApp, startTestAppIn, type TestApp } from './support/harness.js'

describe('team isolation, secrets and the audit log', () => {
  let t: TestApp
  let mine: string
  let theirs: string
  let serviceId: string
  let projectId: string

  before(async () => {
    t = await startTestApp()
    mine = await t.token(['root'], 'Default')
    theirs = await t.token(['root'], 'Other team')
    projectId = (await t.call(mine, 'POST', '/api/v1/projects', { name: 'private' })).body.uuid
    serviceId = (
      await t.call(mine, 'POST', `/api/v1/projects/${projectId}/services`, { name: 'api', compose: SAMPLE_COMPOSE })
    ).body.uuid
  })
  after(() => t.close())

  it("answers 404 (not 403) for every route on another team's resources, and changes nothing", async () => {
    const attempts: [string, string, unknown?][] = [
      ['GET', `/api/v1/projects/${projectId}`],
      ['PATCH', `/api/v1/projects/${projectId}`, { name: 'stolen' }],
      ['DELETE', `/api/v1/projects/${projectId}`],
      ['POST', `/api/v1/projects/${projectId}/services`, { name: 'x', compose: SAMPLE_COMPOSE }],
      ['GET', `/api/v1/services/${serviceId}`],
      ['PATCH', `/api/v1/services/${serviceId}`, { description: 'stolen' }],
      ['GET', `/api/v1/services/${serviceId}/compose`],
      ['PUT', `/api/v1/services/${serviceId}/compose`, { yaml: SAMPLE_COMPOSE, base_version: 1 }],
      ['GET', `/api/v1/services/${serviceId}/compose/versions`],
      ['GET', `/api/v1/services/${serviceId}/compose/versions/1`],
      ['GET', `/api/v1/services/${serviceId}/compose/diff?from=1&to=1`],
      ['POST', `/api/v1/services/${serviceId}/compose/rollback`, { version: 1 }],
      ['POST', `/api/v1/services/${serviceId}/compose/validate`, {}],
      ['GET', `/api/v1/services/${serviceId}/parameters`],
      ['PUT', `/api/v1/services/${serviceId}/parameters`, { parameters: { a: { type: 'string', value: 'x' } } }],
      ['GET', `/api/v1/services/${serviceId}/env`],
      ['PUT', `/api/v1/services/${serviceId}/env`, { A: { value: 'x' } }],
      ['DELETE', `/api/v1/services/${serviceId}/env/A`],
      ['DELETE', `/api/v1/services/${serviceId}`],
    ]
    for (const [method, url, body] of attempts) {
      const res = await t.call(theirs, method as 'GET', url, body)
      assert.equal(res.status, 404, `${method} ${url} gave ${res.status}`)
      assert.equal(res.body.error.code, 'not_found')
    }
    assert.equal((await t.call(theirs, 'GET', '/api/v1/projects')).body.projects.length, 0)
    assert.equal((await t.call(mine, 'GET', `/api/v1/services/${serviceId}/compose`)).body.version, 1)
    const theirAudit = await t.call(theirs, 'GET', '/api/v1/audit')
    assert.ok(
      !theirAudit.body.items.some((i: any) => i.resource_id === serviceId),
      "another team's audit log never shows this service",
    )
  })

  it('encrypts secret values at rest, masks them without read:sensitive, and reveals them with it', async () => {
    const secretValue = 'pa55-Wh1sper-9f8e7d'
    const put = await t.call(mine, 'PUT', `/api/v1/services/${serviceId}/env`, {
      DB_PASSWORD: { value: secretValue, secret: true },
      LOG_LEVEL: { value: 'debug' },
    })
    assert.equal(put.status, 200)
    await t.call(mine, 'PUT', `/api/v1/services/${serviceId}/env`, { EXTRA: { value: 'kept' } })

    const reader = await t.token(['read'], 'Default')
    const masked = await t.call(reader, 'GET', `/api/v1/services/${serviceId}/env`)
    assert.equal(masked.body.env.DB_PASSWORD.value, '********')
    assert.equal(masked.body.env.DB_PASSWORD.masked, true)
    assert.equal(masked.body.env.LOG_LEVEL.value, 'debug')
    assert.equal(masked.body.env.EXTRA.value, 'kept', 'PUT leaves variables it does not name unchanged')

    const sensitive = await t.token(['read', 'read:sensitive'], 'Default')
    assert.equal(
      (await t.call(sensitive, 'GET', `/api/v1/services/${serviceId}/env`)).body.env.DB_PASSWORD.value,
      secretValue,
    )

    const stored = await t.app.db
      .selectFrom('service_env')
      .select(['key', 'value'])
      .where('key', '=', 'DB_PASSWORD')
      .executeTakeFirstOrThrow()
    assert.match(stored.value, /^enc:v1:/)
    // Stop Berth so every page is in the files we read, as after a shutdown.
    await t.server.close()
    await t.app.close()
    if (TEST_DIALECT === 'sqlite') {
      for (const file of readdirSync(t.dataDir).filter((f) => f.startsWith('berth.db'))) {
        assert.ok(
          !readFileSync(join(t.dataDir, file)).includes(secretValue),
          `${file} must not hold the plaintext secret`,
        )
      }
    }
    t = await startTestAppIn(t.dataDir)
    const audit = await t.call(mine, 'GET', '/api/v1/audit?action=env.*')
    assert.ok(audit.body.items.length >= 2)
    assert.ok(!JSON.stringify(audit.body).includes(secretValue), 'audit details never hold secret values')
    assert.equal((await t.call(mine, 'DELETE', `/api/v1/services/${serviceId}/env/EXTRA`)).status, 204)
    assert.equal((await t.call(mine, 'DELETE', `/api/v1/services/${serviceId}/env/EXTRA`)).status, 404)
    const badKey = await t.call(mine, 'PUT', `/api/v1/services/${serviceId}/env`, { '1BAD': { value: 'x' } })
    assert.equal(badKey.body.error.code, 'invalid_env_key')
  })

  it('keeps the data dir 0700 and database files 0600', { skip: sqliteOnly }, () => {
    assert.equal(statSync(t.dataDir).mode & 0o777, 0o700)
    for (const file of readdirSync(t.dataDir).filter((f) => f.startsWith('berth.db') || f === 'app.key')) {
      assert.equal(statSync(join(t.dataDir, file)).mode & 0o777, 0o600, file)
    }
  })

  it('lists audit entries newest first, filtered, with a cursor that pages through all of them', async () => {
    for (let i = 0; i < 5; i++) await t.call(mine, 'POST', '/api/v1/projects', { name: `audited-${i}` })
    const first = await t.call(mine, 'GET', '/api/v1/audit?action=project.created&limit=2')
    assert.equal(first.body.items.length, 2)
    assert.equal(first.body.items[0].details.name, 'audited-4')
    assert.ok(first.body.items[0].actor.name.includes('@example.com'))
    assert.ok(first.body.items[0].actor.via.startsWith('token:'))
    const seen = [...first.body.items]
    let cursor = first.body.next_cursor
    while (cursor) {
      const page = await t.call(mine, 'GET', `/api/v1/audit?action=project.created&limit=2&cursor=${cursor}`)
      seen.push(...page.body.items)
      cursor = page.body.next_cursor
    }
    assert.equal(seen.length, 6)
    assert.deepEqual(
      seen.map((i) => i.id),
      [...seen.map((i) => i.id)].sort((a, b) => b - a),
    )
    const byResource = await t.call(mine, 'GET', `/api/v1/audit?resource_type=service&resource_id=${serviceId}`)
    assert.ok(byResource.body.items.some((i: any) => i.action === 'compose.created'))
    const future = await t.call(
      mine,
      'GET',
      `/api/v1/audit?since=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`,
    )
    assert.equal(future.body.items.length, 0)
  })

  it('shows instance-wide entries (settings) to instance administrators only, never to a team member', async () => {
    const root = await t.token(['root', 'instance'])
    assert.equal((await t.call(root, 'PUT', '/api/v1/settings', { letsencrypt_email: 'ops@example.com' })).status, 200)
    const asRoot = await t.call(root, 'GET', '/api/v1/audit?action=settings.updated')
    assert.equal(asRoot.body.items.length, 1)
    assert.deepEqual(asRoot.body.items[0].details.changed, ['letsencrypt_email'])
    const reader = await t.token(['read'])
    assert.equal((await t.call(reader, 'GET', '/api/v1/audit?action=settings.updated')).body.items.length, 0)
  })
})
