import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js'
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/harness.js'

// app.inject() sends "Host: localhost:80", so this is the server's own origin in these tests.
const OWN_ORIGIN = 'http://localhost:80'

describe('sessions and browser protections', () => {
  let t: TestApp
  let userCount = 0
  let projectCount = 0

  before(async () => {
    t = await startTestApp()
  })
  after(() => t.close())

  async function newUser(): Promise<string> {
    const email = `session${++userCount}@example.com`
    await t.app.users.create({ email, password: ADMIN_PASSWORD, admin: true, teamName: `T${userCount}` }, SYSTEM_ACTOR)
    return email
  }

  async function login(email: string, password = ADMIN_PASSWORD, remoteAddress = '203.0.113.1') {
    return t.server.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress })
  }

  async function session(email: string): Promise<string> {
    const res = await login(email)
    assert.equal(res.statusCode, 200, res.body)
    return String(res.headers['set-cookie']).split(';')[0]!
  }

  function createProject(headers: Record<string, string>) {
    return t.server.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers,
      payload: { name: `p${++projectCount}` },
    })
  }

  it('refuses a cookie-authenticated write from another origin with 403 cross_origin_request', async () => {
    const cookie = await session(await newUser())
    for (const headers of <Record<string, string>[]>[
      { origin: 'http://evil.test' },
      { origin: 'http://evil.localhost:80' },
      { origin: 'null' },
      { origin: 'not a url' },
      { 'sec-fetch-site': 'cross-site' },
      // A sibling subdomain is the same site (SameSite lets the cookie through) but not this origin.
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'cross-site', origin: OWN_ORIGIN },
    ]) {
      const res = await createProject({ cookie, ...headers })
      assert.equal(res.statusCode, 403, JSON.stringify(headers))
      assert.equal(res.json().error.code, 'cross_origin_request')
    }
    const deleted = await t.server.inject({
      method: 'DELETE',
      url: '/api/v1/projects/00000000-0000-4000-8000-000000000000',
      headers: { cookie, origin: 'http://evil.test' },
    })
    assert.equal(deleted.statusCode, 403, 'DELETE is a write too')
  })

  it("accepts the UI's own writes, reads from anywhere, scripts without browser headers, and bearer tokens", async () => {
    const cookie = await session(await newUser())
    assert.equal((await createProject({ cookie, origin: OWN_ORIGIN, 'sec-fetch-site': 'same-origin' })).statusCode, 201)
    assert.equal((await createProject({ cookie })).statusCode, 201, 'curl with a cookie sends neither header')
    const read = await t.server.inject({
      method: 'GET',
      url: '/api/v1/projects',
      headers: { cookie, origin: 'http://evil.test', 'sec-fetch-site': 'cross-site' },
    })
    assert.equal(read.statusCode, 200)
    const token = await t.token(['write'])
    const withToken = await createProject({ authorization: `Bearer ${token}`, origin: 'http://evil.test' })
    assert.equal(withToken.statusCode, 201, 'a bearer token is not sent by browsers on their own')
  })

  it('slows logins per account (from any address) and per address (for any account) with 429 and retry-after', async () => {
    const email = await newUser()
    for (let i = 0; i < 5; i++) assert.equal((await login(email, 'wrong-password', `198.51.100.${i}`)).statusCode, 401)
    const limited = await login(email, ADMIN_PASSWORD, '198.51.100.99')
    assert.equal(limited.statusCode, 429, 'even the right password waits')
    assert.equal(limited.json().error.code, 'rate_limited')
    assert.ok(Number(limited.headers['retry-after']) > 0)

    const other = await newUser()
    for (let i = 0; i < 5; i++) await login(`nobody${i}@example.com`, 'wrong-password', '192.0.2.7')
    assert.equal((await login(other, ADMIN_PASSWORD, '192.0.2.7')).statusCode, 429, 'the address is limited')
    assert.equal((await login(other, ADMIN_PASSWORD, '192.0.2.8')).statusCode, 200, 'another address is not')
  })

  it('stops a logged-out session, a revoked token and an expired token at the next request', async () => {
    const email = await newUser()
    const cookie = await session(email)
    const me = () => t.server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })
    assert.equal((await me()).statusCode, 200)
    const out = await t.server.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie, origin: OWN_ORIGIN },
    })
    assert.equal(out.statusCode, 204)
    assert.equal((await me()).statusCode, 401)

    const root = await t.token(['root'])
    const created = await t.call(root, 'POST', '/api/v1/tokens', { name: 'short', abilities: ['read'] })
    assert.equal(created.status, 201)
    assert.equal((await t.call(created.body.token, 'GET', '/api/v1/projects')).status, 200)
    assert.equal((await t.call(root, 'DELETE', `/api/v1/tokens/${created.body.id}`)).status, 204)
    assert.equal((await t.call(created.body.token, 'GET', '/api/v1/projects')).status, 401)

    const expiring = await t.call(root, 'POST', '/api/v1/tokens', {
      name: 'expiring',
      abilities: ['read'],
      expires_at: new Date(Date.now() + 60_000).toISOString(),
    })
    assert.equal(expiring.status, 201, JSON.stringify(expiring.body))
    assert.equal((await t.call(expiring.body.token, 'GET', '/api/v1/projects')).status, 200)
    // Time passes: the stored expiry moves into the past.
    await t.app.db
      .updateTable('api_tokens')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', expiring.body.id)
      .execute()
    assert.equal((await t.call(expiring.body.token, 'GET', '/api/v1/projects')).status, 401)
  })

  it("ends the user's other sessions when the password changes, and keeps the one that changed it", async () => {
    const email = await newUser()
    const mine = await session(email)
    const other = await session(email)
    const changed = await t.server.inject({
      method: 'POST',
      url: '/api/v1/me/password',
      headers: { cookie: mine, origin: OWN_ORIGIN },
      payload: { current_password: ADMIN_PASSWORD, new_password: 'a-new-long-password-42' },
    })
    assert.equal(changed.statusCode, 204, changed.body)
    assert.equal(
      (await t.server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: other } })).statusCode,
      401,
    )
    assert.equal(
      (await t.server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: mine } })).statusCode,
      200,
    )
  })

  it('sends a strict Content-Security-Policy, nosniff and frame protection on API answers and errors', async () => {
    for (const url of ['/api/v1/projects', '/api/v1/no-such-route', '/health']) {
      const res = await t.server.inject({ method: 'GET', url })
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url)
      assert.equal(res.headers['x-frame-options'], 'DENY', url)
      const csp = String(res.headers['content-security-policy'])
      assert.match(csp, /default-src 'none'/, url)
      assert.match(csp, /frame-ancestors 'none'/, url)
    }
  })
})
