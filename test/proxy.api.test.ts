import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { SAMPLE_COMPOSE, startTestApp, type TestApp } from './support/harness.js'

describe('proxy configuration over HTTP', () => {
  let t: TestApp
  let root: string
  let projectId: string
  let serviceId: string

  before(async () => {
    t = await startTestApp()
    root = await t.token(['root', 'instance'])
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'shop' })).body.uuid
    serviceId = (
      await t.call(root, 'POST', `/api/v1/projects/${projectId}/services`, { name: 'web', compose: SAMPLE_COMPOSE })
    ).body.uuid
  })
  after(() => t.close())

  async function domain(body: Record<string, unknown>) {
    return t.call(root, 'POST', `/api/v1/projects/${projectId}/domains`, { tls: false, ...body })
  }

  it('creates a domain with IDN converted to punycode, and refuses a taken one with 409 domain_taken', async () => {
    const created = await domain({ domain: 'Bücher.Example', subdomain: 'shop' })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.equal(created.body.full_domain, 'shop.xn--bcher-kva.example')
    assert.equal(created.body.domain, 'xn--bcher-kva.example')
    const again = await domain({ domain: 'shop.bücher.example' })
    assert.equal(again.status, 409)
    assert.equal(again.body.error.code, 'domain_taken')
    const listed = await t.call(root, 'GET', `/api/v1/projects/${projectId}/domains`)
    assert.ok(listed.body.domains.some((d: any) => d.id === created.body.id))
  })

  it('refuses host names that break RFC 1123 or use a wildcard beyond one level, with 400', async () => {
    for (const bad of [
      { domain: 'bad_name.example.com' },
      { domain: 'example.com', subdomain: '*.*' },
      { domain: '-x.example.com' },
    ]) {
      const res = await domain(bad)
      assert.equal(res.status, 400, JSON.stringify(bad))
      assert.equal(res.body.error.code, 'invalid_domain')
    }
    assert.equal((await domain({ domain: 'example.net', subdomain: '*' })).body.full_domain, '*.example.net')
  })

  it('hashes basic-auth passwords: never stored, returned or audited in plain text', async () => {
    const password = 'super-secret-pw-123'
    const res = await t.call(root, 'POST', `/api/v1/projects/${projectId}/middlewares`, {
      name: 'auth',
      type: 'basic-auth',
      config: { users: [{ username: 'alice', password }] },
    })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.deepEqual(res.body.config.users, [{ username: 'alice', password_set: true }])
    const stored = await t.app.db
      .selectFrom('proxy_middlewares')
      .select('config')
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow()
    assert.ok(!stored.config.includes(password))
    assert.match(stored.config, /\$2y\$10\$/)
    const audit = await t.app.db.selectFrom('audit_log').select('details').execute()
    assert.ok(audit.every((a) => !a.details.includes(password)))
    const listed = await t.call(root, 'GET', `/api/v1/projects/${projectId}/middlewares`)
    assert.ok(!JSON.stringify(listed.body).includes('$2y$'))
    // A user sent again without a password keeps their hash.
    const renamed = await t.call(root, 'PATCH', `/api/v1/middlewares/${res.body.id}`, {
      config: { users: [{ username: 'alice' }], realm: 'shop' },
    })
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body))
    const after = await t.app.db
      .selectFrom('proxy_middlewares')
      .select('config')
      .where('id', '=', res.body.id)
      .executeTakeFirstOrThrow()
    assert.equal(JSON.parse(after.config).users[0].hash, JSON.parse(stored.config).users[0].hash)
    const short = await t.call(root, 'POST', `/api/v1/projects/${projectId}/middlewares`, {
      name: 'auth2',
      type: 'basic-auth',
      config: { users: [{ username: 'bob', password: 'short' }] },
    })
    assert.equal(short.status, 422)
    assert.ok(!JSON.stringify(short.body).includes('short"'))
  })

  it('validates middleware configs per type', async () => {
    const bad = await t.call(root, 'POST', `/api/v1/projects/${projectId}/middlewares`, {
      name: 'limit',
      type: 'rate-limit',
      config: { average: 0 },
    })
    assert.equal(bad.status, 422)
    assert.equal(bad.body.error.code, 'invalid_middleware_config')
    const wrongKey = await t.call(root, 'POST', `/api/v1/projects/${projectId}/middlewares`, {
      name: 'strip',
      type: 'strip-prefix',
      config: { prefix: '/api' },
    })
    assert.equal(wrongKey.status, 422)
    const ok = await t.call(root, 'POST', `/api/v1/projects/${projectId}/middlewares`, {
      name: 'strip',
      type: 'strip-prefix',
      config: { prefixes: ['/api'] },
    })
    assert.equal(ok.status, 201)
  })

  it('creates routes to a service or a URL; a route may only name middlewares that exist', async () => {
    const d = (await domain({ domain: 'routes.example.com' })).body
    const toService = await t.call(root, 'POST', `/api/v1/domains/${d.id}/routes`, {
      target: { service: serviceId, compose_service: 'web', port: 80 },
      middlewares: ['strip'],
      path: '/api',
      priority: 10,
    })
    assert.equal(toService.status, 201, JSON.stringify(toService.body))
    assert.equal(toService.body.middlewares.length, 1)
    const unknownMw = await t.call(root, 'POST', `/api/v1/domains/${d.id}/routes`, {
      target: { url: 'http://10.0.0.1:80' },
      middlewares: ['nope'],
    })
    assert.equal(unknownMw.status, 422)
    assert.equal(unknownMw.body.error.code, 'unknown_middleware')
    const unknownCompose = await t.call(root, 'POST', `/api/v1/domains/${d.id}/routes`, {
      target: { service: serviceId, compose_service: 'db', port: 5432 },
    })
    assert.equal(unknownCompose.body.error.code, 'unknown_compose_service')
    const badUrl = await t.call(root, 'POST', `/api/v1/domains/${d.id}/routes`, {
      target: { url: 'http://user:pw@host/path' },
    })
    assert.equal(badUrl.status, 400)
    const badPath = await t.call(root, 'POST', `/api/v1/domains/${d.id}/routes`, {
      target: { url: 'http://10.0.0.1' },
      path: '/a`) || Host(`x',
    })
    assert.equal(badPath.status, 400)
    const inUse = await t.call(
      root,
      'DELETE',
      `/api/v1/middlewares/${(await t.call(root, 'GET', `/api/v1/projects/${projectId}/middlewares`)).body.middlewares.find((m: any) => m.name === 'strip').id}`,
    )
    assert.equal(inUse.status, 409)
    assert.equal(inUse.body.error.code, 'middleware_in_use')
    const patched = await t.call(root, 'PATCH', `/api/v1/routes/${toService.body.id}`, { path: '/v2', middlewares: [] })
    assert.equal(patched.body.path, '/v2')
    assert.deepEqual(patched.body.middlewares, [])
    const listed = await t.call(root, 'GET', `/api/v1/domains/${d.id}/routes`)
    assert.equal(listed.body.routes.length, 1)
    assert.equal((await t.call(root, 'DELETE', `/api/v1/routes/${toService.body.id}`)).status, 204)
  })

  it('audits every change with the actor', async () => {
    const rows = await t.app.db.selectFrom('audit_log').select(['action', 'actor_type', 'actor_name']).execute()
    const actions = rows.map((a) => a.action)
    const email = (await t.call(root, 'GET', '/api/v1/me')).body.user.email
    const changes = rows.filter((r) => /^(domain|middleware|route)\./.test(r.action))
    assert.ok(changes.length >= 6)
    for (const row of changes)
      assert.deepEqual([row.actor_type, row.actor_name], ['token', email], `${row.action} names its actor`)
    for (const action of [
      'domain.created',
      'middleware.created',
      'middleware.updated',
      'route.created',
      'route.updated',
      'route.deleted',
    ])
      assert.ok(actions.includes(action), action)
  })

  it("hides another team's domains, routes and middlewares behind 404", async () => {
    const other = await t.token(['root'], 'Other team')
    const d = (await domain({ domain: 'private.example.com' })).body
    const r = (await t.call(root, 'POST', `/api/v1/domains/${d.id}/routes`, { target: { url: 'http://10.0.0.2' } }))
      .body
    const m = (await t.call(root, 'GET', `/api/v1/projects/${projectId}/middlewares`)).body.middlewares[0]
    for (const [method, url, body] of [
      ['GET', `/api/v1/domains/${d.id}`],
      ['PATCH', `/api/v1/domains/${d.id}`, { active: false }],
      ['DELETE', `/api/v1/domains/${d.id}`],
      ['GET', `/api/v1/domains/${d.id}/routes`],
      ['POST', `/api/v1/domains/${d.id}/routes`, { target: { url: 'http://10.0.0.3' } }],
      ['PATCH', `/api/v1/routes/${r.id}`, { path: '/x' }],
      ['DELETE', `/api/v1/routes/${r.id}`],
      ['PATCH', `/api/v1/middlewares/${m.id}`, { name: 'mine' }],
      ['DELETE', `/api/v1/middlewares/${m.id}`],
      ['GET', `/api/v1/projects/${projectId}/domains`],
      ['POST', `/api/v1/projects/${projectId}/domains`, { domain: 'steal.example.com' }],
      ['GET', `/api/v1/projects/${projectId}/middlewares`],
    ] as const) {
      const res = await t.call(other, method, url, body)
      assert.equal(res.status, 404, `${method} ${url}: ${JSON.stringify(res.body)}`)
    }
  })

  it('reads instance settings with "read" and changes them with "instance" only', async () => {
    const reader = await t.token(['read', 'write'])
    const got = await t.call(reader, 'GET', '/api/v1/settings')
    assert.equal(got.body.proxy, 'traefik')
    assert.equal(
      (await t.call(reader, 'PUT', '/api/v1/settings', { letsencrypt_email: 'ops@example.com' })).status,
      403,
    )
    const put = await t.call(root, 'PUT', '/api/v1/settings', { letsencrypt_email: 'ops@example.com' })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    assert.equal(put.body.letsencrypt_email, 'ops@example.com')
    assert.equal(put.body.http_to_https_redirect, true, 'keys a PUT does not name keep their value')
    assert.equal((await t.call(root, 'PUT', '/api/v1/settings', { proxy: 'nginx' })).status, 400)
  })

  it('refuses with 422 a change that would render an invalid file (TLS left without a certificate resolver)', async () => {
    await t.call(root, 'PUT', '/api/v1/settings', { letsencrypt_email: 'ops@example.com' })
    const d = (await domain({ domain: 'tls.example.com', tls: true })).body
    await t.call(root, 'POST', `/api/v1/domains/${d.id}/routes`, { target: { url: 'http://10.0.0.4' } })
    const res = await t.call(root, 'PUT', '/api/v1/settings', { letsencrypt_email: null })
    assert.equal(res.status, 422, JSON.stringify(res.body))
    assert.equal(res.body.error.code, 'invalid_proxy_config')
    const settings = (await t.call(root, 'GET', '/api/v1/settings')).body
    assert.equal(settings.letsencrypt_email, 'ops@example.com', 'the change rolled back')
    assert.equal((await t.call(root, 'DELETE', `/api/v1/domains/${d.id}`)).status, 204)
  })

  it('with Caddy as the proxy, refuses with 422 a middleware Caddy cannot express, and switching kinds is checked too', async () => {
    const d = (await domain({ domain: 'caddy.example.com' })).body
    await t.call(root, 'POST', `/api/v1/projects/${projectId}/middlewares`, {
      name: 'limit',
      type: 'rate-limit',
      config: { average: 5 },
    })
    const r = await t.call(root, 'POST', `/api/v1/domains/${d.id}/routes`, {
      target: { url: 'http://10.0.0.7' },
      middlewares: ['limit'],
    })
    assert.equal(r.status, 201)
    const toCaddy = await t.call(root, 'PUT', '/api/v1/settings', { proxy: 'caddy' })
    assert.equal(toCaddy.status, 422, 'settings that would leave a route unrenderable are refused')
    await t.call(root, 'DELETE', `/api/v1/routes/${r.body.id}`)
    assert.equal((await t.call(root, 'PUT', '/api/v1/settings', { proxy: 'caddy' })).status, 200)
    const refused = await t.call(root, 'POST', `/api/v1/domains/${d.id}/routes`, {
      target: { url: 'http://10.0.0.7' },
      middlewares: ['limit'],
    })
    assert.equal(refused.status, 422)
    assert.match(refused.body.error.message, /rate-limit/)
    await t.call(root, 'PUT', '/api/v1/settings', { proxy: 'traefik' })
  })
})
