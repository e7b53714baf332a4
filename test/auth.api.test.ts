import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { ADMIN_PASSWORD, startTestApp, type TestApp } from './support/harness.js'

describe('authentication and tokens', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
    await t.app.users.create({ email: 'Alice@Example.com', password: ADMIN_PASSWORD, admin: true }, SYSTEM_ACTOR)
  })
  after(() => t.close())

  it('refuses API calls without credentials with 401 and the error shape', async () => {
    const res = await t.call(undefined, 'GET', '/api/v1/projects')
    assert.equal(res.status, 401)
    assert.equal(res.body.error.code, 'unauthorized')
    assert.match(res.body.error.message, /Bearer/)
  })

  it('refuses an unknown bearer token with 401', async () => {
    const res = await t.call('berth_not-a-real-token', 'GET', '/api/v1/me')
    assert.equal(res.status, 401)
  })

  it('serves /health, /health/live and the OpenAPI document without credentials', async () => {
    const health = await t.call(undefined, 'GET', '/health')
    assert.equal(health.status, 200)
    assert.equal(health.body.status, 'healthy')
    assert.equal(health.body.database.connected, true)
    assert.equal((await t.call(undefined, 'GET', '/health/live')).status, 200)
    const doc = await t.call(undefined, 'GET', '/api/v1/openapi.json')
    assert.equal(doc.status, 200)
    assert.equal(doc.body.openapi, '3.1.0')
    assert.ok(doc.body.paths['/api/v1/services/{uuid}/compose'].put, 'the compose update route is documented')
    const docs = await t.server.inject({ method: 'GET', url: '/api/docs/' })
    assert.equal(docs.statusCode, 200)
    assert.match(docs.body, /swagger/i)
  })

  it('logs in with a session cookie that is httpOnly and SameSite=Strict, and logs out', async () => {
    const login = await t.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'alice@example.com', password: ADMIN_PASSWORD },
    })
    assert.equal(login.statusCode, 200)
    const setCookie = String(login.headers['set-cookie'])
    assert.match(setCookie, /berth_session=/)
    assert.match(setCookie, /HttpOnly/)
    assert.match(setCookie, /SameSite=Strict/)
    const cookie = setCookie.split(';')[0]!
    const me = await t.server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })
    assert.equal(me.statusCode, 200)
    assert.equal(me.json().user.email, 'alice@example.com')
    // The first admin on an empty database administers the instance as well as owning the team.
    assert.deepEqual(me.json().abilities, ['instance', 'root'])
    assert.equal(
      (await t.server.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } })).statusCode,
      204,
    )
    assert.equal((await t.server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode, 401)
  })

  it('rejects a wrong password with 401, audits it, and rate-limits repeated failures with 429 and Retry-After', async () => {
    const attempt = () =>
      t.server.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: '10.9.9.9',
        payload: { email: 'alice@example.com', password: 'wrong-password' },
      })
    const first = await attempt()
    assert.equal(first.statusCode, 401)
    assert.equal(first.json().error.message, 'The e-mail or password is wrong.')
    for (let i = 0; i < 4; i++) await attempt()
    const limited = await attempt()
    assert.equal(limited.statusCode, 429)
    assert.equal(limited.json().error.code, 'rate_limited')
    assert.ok(Number(limited.headers['retry-after']) > 0)
    const failures = await t.app.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'auth.login_failed')
      .execute()
    assert.equal(failures.length, 5)
    assert.ok(
      failures.every((f) => !f.details.includes('wrong-password')),
      'the tried password is never audited',
    )
  })

  it('creates a token shown once, lists it without its secret, and revokes it', async () => {
    const root = await t.token(['root'])
    const created = await t.call(root, 'POST', '/api/v1/tokens', { name: 'ci', abilities: ['read', 'deploy'] })
    assert.equal(created.status, 201)
    assert.match(created.body.token, /^berth_/)
    assert.ok(created.body.uuid)
    const list = await t.call(root, 'GET', '/api/v1/tokens')
    const listed = list.body.tokens.find((x: any) => x.id === created.body.uuid)
    assert.deepEqual(listed.abilities, ['deploy', 'read'])
    assert.ok(!JSON.stringify(list.body).includes(created.body.token))
    assert.equal(listed.last_used_at, null, 'a token not yet used has no last use')
    assert.equal((await t.call(created.body.token, 'GET', '/api/v1/me')).status, 200)
    const used = (await t.call(root, 'GET', '/api/v1/tokens')).body.tokens.find((x: any) => x.id === created.body.uuid)
    assert.ok(used.last_used_at, 'its first use is recorded')
    // A use reported late (by a reader process) never moves the last use back in time.
    await t.app.tokens.recordUse(created.body.uuid, '2000-01-01T00:00:00.000Z')
    const after = (await t.call(root, 'GET', '/api/v1/tokens')).body.tokens.find((x: any) => x.id === created.body.uuid)
    assert.equal(after.last_used_at, used.last_used_at)
    assert.equal((await t.call(root, 'DELETE', `/api/v1/tokens/${created.body.uuid}`)).status, 204)
    assert.equal((await t.call(created.body.token, 'GET', '/api/v1/me')).status, 401)
    assert.equal((await t.call(root, 'DELETE', `/api/v1/tokens/${created.body.uuid}`)).status, 404)
    const stored = await t.app.db
      .selectFrom('api_tokens')
      .select('token_hash')
      .where('id', '=', created.body.uuid)
      .executeTakeFirstOrThrow()
    assert.notEqual(stored.token_hash, created.body.token)
  })

  it('forbids writes to a read-only token with 403 missing_ability', async () => {
    const reader = await t.token(['read'])
    const res = await t.call(reader, 'POST', '/api/v1/projects', { name: 'nope' })
    assert.equal(res.status, 403)
    assert.equal(res.body.error.code, 'missing_ability')
  })

  it('refuses to create a token with more abilities than its creator', async () => {
    const writer = await t.token(['read', 'write'])
    const res = await t.call(writer, 'POST', '/api/v1/tokens', { name: 'escalate', abilities: ['root'] })
    assert.equal(res.status, 403)
    assert.equal(res.body.error.code, 'ability_escalation')
  })

  it('rejects an expired token and a token request with a past expiry', async () => {
    const root = await t.token(['root'])
    const past = await t.call(root, 'POST', '/api/v1/tokens', {
      name: 'old',
      abilities: ['read'],
      expires_at: '2020-01-01T00:00:00Z',
    })
    assert.equal(past.status, 400)
    assert.equal(past.body.error.code, 'invalid_expiry')
    const soon = await t.call(root, 'POST', '/api/v1/tokens', {
      name: 'soon',
      abilities: ['read'],
      expires_at: new Date(Date.now() + 60_000).toISOString(),
    })
    await t.app.db
      .updateTable('api_tokens')
      .set({ expires_at: '2020-01-01T00:00:00.000Z' })
      .where('id', '=', soon.body.uuid)
      .execute()
    assert.equal((await t.call(soon.body.token, 'GET', '/api/v1/me')).status, 401)
  })

  it('answers invalid request bodies with 400 invalid_request naming the field', async () => {
    const root = await t.token(['root'])
    const res = await t.call(root, 'POST', '/api/v1/tokens', { name: 'x', abilities: ['fly'] })
    assert.equal(res.status, 400)
    assert.equal(res.body.error.code, 'invalid_request')
    assert.match(res.body.error.message, /abilities/)
  })
})
