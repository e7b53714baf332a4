// A domain's TLS: created with TLS only when a certificate can be had, a clear 422 (and nothing
// stored) when a request asks for one that cannot, the `internal` mode (the proxy's own
// certificate), and the older boolean `tls` still meaning what it meant. Runs on both dialects.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parse } from 'yaml'
import { startTestApp, type TestApp } from './support/harness.js'

describe('domain TLS over HTTP', () => {
  let t: TestApp
  let root: string
  let projectId: string

  before(async () => {
    t = await startTestApp()
    root = await t.token(['root', 'instance'])
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'tls' })).body.uuid
  })
  after(() => t.close())

  const createDomain = (body: Record<string, unknown>) =>
    t.call(root, 'POST', `/api/v1/projects/${projectId}/domains`, body)
  const setEmail = async (email: string | null) =>
    assert.equal((await t.call(root, 'PUT', '/api/v1/settings', { letsencrypt_email: email })).status, 200)
  const domainCount = async () =>
    (await t.call(root, 'GET', `/api/v1/projects/${projectId}/domains`)).body.domains.length as number
  const auditCount = async (action: string) =>
    (await t.app.db.selectFrom('audit_log').select('id').where('action', '=', action).execute()).length

  it('without an ACME e-mail, a domain that does not say is created without TLS and its first route is accepted', async () => {
    await setEmail(null)
    const created = await createDomain({ domain: 'first.example.com' })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.equal(created.body.tls_mode, 'none')
    assert.equal(created.body.tls, false)
    const route = await t.call(root, 'POST', `/api/v1/domains/${created.body.id}/routes`, {
      target: { url: 'http://10.0.0.4' },
    })
    assert.equal(route.status, 201, JSON.stringify(route.body))
  })

  it('refuses TLS asked for explicitly without an ACME e-mail with 422 acme_email_required, storing and auditing nothing', async () => {
    await setEmail(null)
    const domains = await domainCount()
    const audited = await auditCount('domain.created')
    for (const body of [{ tls: true }, { tls_mode: 'acme' }]) {
      const res = await createDomain({ domain: 'secure.example.com', ...body })
      assert.equal(res.status, 422, JSON.stringify(res.body))
      assert.equal(res.body.error.code, 'acme_email_required')
      assert.match(res.body.error.message, /letsencrypt_email/)
      assert.match(res.body.error.message, /instance administrator/)
      assert.equal(res.body.error.details.setting, 'letsencrypt_email')
    }
    assert.equal(await domainCount(), domains, 'nothing stored')
    assert.equal(await auditCount('domain.created'), audited, 'nothing audited')

    const plain = (await createDomain({ domain: 'later.example.com', tls: false })).body
    const patched = await t.call(root, 'PATCH', `/api/v1/domains/${plain.id}`, { tls: true })
    assert.equal(patched.status, 422, JSON.stringify(patched.body))
    assert.equal(patched.body.error.code, 'acme_email_required')
    assert.equal((await t.call(root, 'GET', `/api/v1/domains/${plain.id}`)).body.tls_mode, 'none', 'unchanged')

    const preview = await t.call(root, 'POST', '/api/v1/proxy/preview', {
      change: { op: 'create_domain', project: projectId, data: { domain: 'preview.example.com', tls_mode: 'acme' } },
    })
    assert.equal(preview.status, 422, 'the form learns it while typing')
    assert.equal(preview.body.error.code, 'acme_email_required')
  })

  it("serves an internal domain with the proxy's own certificate: no e-mail needed, tls {} without a resolver", async () => {
    await setEmail(null)
    const created = await createDomain({ domain: 'intranet.example.internal', tls_mode: 'internal' })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.equal(created.body.tls_mode, 'internal')
    assert.equal(created.body.tls, true)
    const change = { op: 'create_route', domain: created.body.id, data: { target: { url: 'http://10.0.0.5' } } }
    const preview = await t.call(root, 'POST', '/api/v1/proxy/preview', { change })
    assert.equal(preview.status, 200, JSON.stringify(preview.body))
    assert.equal(preview.body.valid, true, JSON.stringify(preview.body.issues))
    const routers = Object.values<any>(parse(preview.body.files[0].content).http.routers)
    const secure = routers.find((r) => r.entryPoints.includes('websecure'))
    assert.deepEqual(secure.tls, {})
    assert.equal(
      (await t.call(root, 'POST', `/api/v1/domains/${created.body.id}/routes`, change.data)).status,
      201,
      'its first route is accepted',
    )
    const audit = await t.app.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'domain.created')
      .where('resource_id', '=', created.body.id)
      .executeTakeFirstOrThrow()
    assert.equal(JSON.parse(audit.details).tls_mode, 'internal')
  })

  it('with an ACME e-mail, defaults to ACME TLS; the boolean tls keeps its meaning and must agree with tls_mode', async () => {
    await setEmail('ops@example.com')
    const created = await createDomain({ domain: 'shop.example.com' })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.equal(created.body.tls_mode, 'acme')
    assert.equal(created.body.tls, true)
    const id = created.body.id
    const patch = (body: Record<string, unknown>) => t.call(root, 'PATCH', `/api/v1/domains/${id}`, body)

    assert.equal((await patch({ tls: false })).body.tls_mode, 'none')
    assert.equal((await patch({ tls_mode: 'internal' })).body.tls_mode, 'internal')
    assert.equal((await patch({ tls: true })).body.tls_mode, 'internal', 'tls: true keeps an internal domain internal')
    assert.equal((await patch({ tls_mode: 'acme' })).body.tls_mode, 'acme')

    const conflict = await createDomain({ domain: 'both.example.com', tls: false, tls_mode: 'acme' })
    assert.equal(conflict.status, 400)
    assert.equal(conflict.body.error.code, 'tls_conflict')

    const unknown = await createDomain({ domain: 'other.example.com', cert_resolver: 'nope' })
    assert.equal(unknown.status, 422, JSON.stringify(unknown.body))
    assert.equal(unknown.body.error.code, 'cert_resolver_unknown')
    assert.equal(unknown.body.error.details.field, 'cert_resolver')
    assert.equal((await createDomain({ domain: 'other.example.com', cert_resolver: 'letsencrypt' })).status, 201)
  })
})
