import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { startTestApp, startTestAppIn, type TestApp } from './support/harness.js'
import { demoTemplateDir, writeDemoTemplate } from './support/template-fixtures.js'

describe('templates: catalog, deploy from a template, upgrade', () => {
  let t: TestApp
  let owner: string
  let writer: string
  let project: string
  const dir = demoTemplateDir('1.0.0')

  before(async () => {
    t = await startTestApp({ BERTH_TEMPLATE_DIRS: dir })
    owner = await t.token(['root'])
    writer = await t.token(['read', 'write'])
    const res = await t.call(owner, 'POST', '/api/v1/projects', { name: 'sites' })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    project = res.body.uuid
  })
  after(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('lists the catalog and shows one template with its parameters and generators', async () => {
    const list = await t.call(owner, 'GET', '/api/v1/templates')
    assert.equal(list.status, 200)
    const ids = list.body.templates.map((x: { id: string }) => x.id)
    assert.ok(ids.length >= 41 && ids.includes('wordpress') && ids.includes('berth-test-demo'))
    const wp = await t.call(owner, 'GET', '/api/v1/templates/wordpress')
    assert.equal(wp.status, 200)
    assert.deepEqual(
      wp.body.secrets.map((s: { env: string; generator: string }) => [s.env, s.generator]),
      [
        ['DB_PASSWORD', 'password'],
        ['DB_ROOT_PASSWORD', 'password'],
      ],
    )
    assert.match(wp.body.compose, /\{\{berth\.wordpress_tag\}\}/)
    const missing = await t.call(owner, 'GET', '/api/v1/templates/no-such')
    assert.equal(missing.status, 404)
    assert.match(missing.body.error.message, /no-such/)
  })

  it('creates WordPress with its route and secrets in one go, shows the secrets once', async () => {
    const res = await t.call(owner, 'POST', `/api/v1/projects/${project}/templates/wordpress`, {
      name: 'blog',
      domain: 'blog.example.com',
      parameters: { table_prefix: 'blog_' },
    })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    const { service, secrets, route } = res.body
    assert.equal(service.current_version, 1)
    assert.deepEqual(
      secrets.map((s: { key: string }) => s.key),
      ['DB_PASSWORD', 'DB_ROOT_PASSWORD'],
    )
    for (const s of secrets) assert.match(s.value, /^[A-Za-z0-9]{32}$/)
    assert.equal(route.domain, 'blog.example.com')
    assert.equal(route.compose_service, 'wordpress')

    const compose = await t.call(owner, 'GET', `/api/v1/services/${service.uuid}/compose`)
    assert.equal(compose.body.description, 'Created from template WordPress, version 1.0.0')
    assert.match(compose.body.rendered_yaml, /WORDPRESS_TABLE_PREFIX: "blog_"/)
    assert.ok(!compose.body.rendered_yaml.includes(secrets[0].value), 'the password is not in the compose file')
    const env = await t.call(writer, 'GET', `/api/v1/services/${service.uuid}/env`)
    assert.equal(env.body.env.DB_PASSWORD.masked, true)
    const revealed = await t.call(owner, 'GET', `/api/v1/services/${service.uuid}/env`)
    assert.equal(revealed.body.env.DB_PASSWORD.value, secrets[0].value)
    const stored = await t.app.db.selectFrom('service_env').select('value').execute()
    assert.ok(
      stored.every((r) => r.value.startsWith('enc:')),
      'secrets are encrypted at rest',
    )

    const routes = await t.call(owner, 'GET', `/api/v1/domains/${await domainId('blog.example.com')}/routes`)
    assert.deepEqual(routes.body.routes[0].target, { service: service.uuid, compose_service: 'wordpress', port: 80 })
    const audit = await t.app.db.selectFrom('audit_log').select(['action', 'details']).execute()
    const actions = audit.map((a) => a.action)
    for (const action of ['service.created', 'compose.created', 'template.deployed', 'domain.created', 'route.created'])
      assert.ok(actions.includes(action), `${action} is audited`)
    assert.ok(!JSON.stringify(audit).includes(secrets[0].value), 'no secret in the audit log')
  })

  async function domainId(full: string) {
    const row = await t.app.db
      .selectFrom('proxy_domains')
      .select('id')
      .where('full_domain', '=', full)
      .executeTakeFirst()
    return row?.id
  }

  it('masks the one-time secrets for a caller without read:sensitive', async () => {
    const res = await t.call(writer, 'POST', `/api/v1/projects/${project}/templates/uptime-kuma`, { name: 'kuma' })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.equal(res.body.route, null)
    const vw = await t.call(writer, 'POST', `/api/v1/projects/${project}/templates/vaultwarden`, { name: 'vault' })
    assert.equal(vw.body.secrets[0].masked, true)
    assert.equal(vw.body.secrets[0].value, '********')
  })

  it('refuses bad input with a code and stores nothing half-written', async () => {
    const url = `/api/v1/projects/${project}/templates/wordpress`
    const before = await t.app.db.selectFrom('services').select('id').execute()
    const cases: [unknown, number, string][] = [
      [{ name: 'x1', parameters: { nope: 1 } }, 400, 'unknown_parameter'],
      [{ name: 'x2', parameters: { table_prefix: 7 } }, 400, 'invalid_parameters'],
      [{ name: 'Bad Name' }, 400, 'invalid_name'],
      [{ name: 'blog' }, 409, 'name_taken'],
      [{ name: 'x3', domain: 'blog.example.com' }, 409, 'domain_taken'],
      [{ name: 'x4', images: { nosuch: 'a:1' } }, 400, 'unknown_compose_service'],
    ]
    for (const [body, status, code] of cases) {
      const res = await t.call(owner, 'POST', url, body)
      assert.equal(res.status, status, JSON.stringify(res.body))
      assert.equal(res.body.error.code, code)
    }
    const afterRows = await t.app.db.selectFrom('services').select('id').execute()
    assert.equal(afterRows.length, before.length)
    const other = await t.token(['root'], 'Other team')
    assert.equal((await t.call(other, 'POST', url, { name: 'z' })).status, 404)
  })

  it('offers a newer template version as an upgrade that keeps values and secrets, and rolls back', async () => {
    const created = await t.call(owner, 'POST', `/api/v1/projects/${project}/templates/berth-test-demo`, {
      name: 'demo',
      parameters: { title: 'Mine' },
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const id = created.body.service.uuid
    const secret = created.body.secrets[0].value
    let status = (await t.call(owner, 'GET', `/api/v1/services/${id}/template`)).body.template
    assert.deepEqual([status.version, status.latest_version, status.upgrade_available], ['1.0.0', '1.0.0', false])
    assert.equal((await t.call(owner, 'POST', `/api/v1/services/${id}/template/upgrade`, {})).status, 409)

    // A newer Berth ships the template's version 1.1.0.
    await t.server.close()
    await t.app.close()
    writeDemoTemplate(dir, '1.1.0')
    t = { ...(await startTestAppIn(t.dataDir, { BERTH_TEMPLATE_DIRS: dir })) }
    status = (await t.call(owner, 'GET', `/api/v1/services/${id}/template`)).body.template
    assert.deepEqual([status.latest_version, status.upgrade_available], ['1.1.0', true])

    const plan = await t.call(owner, 'POST', `/api/v1/services/${id}/template/upgrade`, { dry_run: true })
    assert.equal(plan.status, 200, JSON.stringify(plan.body))
    assert.match(plan.body.diff, /\+ {6}APP_TOKEN: \$\{APP_TOKEN\}/)
    assert.deepEqual(plan.body.new_secret_keys, ['APP_TOKEN'])
    assert.equal(plan.body.compose_version, null)

    const done = await t.call(owner, 'POST', `/api/v1/services/${id}/template/upgrade`, {})
    assert.equal(done.body.compose_version, 2)
    const params = await t.call(owner, 'GET', `/api/v1/services/${id}/parameters`)
    const values = Object.fromEntries(
      params.body.parameters.map((p: { name: string; value: unknown }) => [p.name, p.value]),
    )
    assert.deepEqual(values, { greeting: 'hello', title: 'Mine' })
    const env = await t.call(owner, 'GET', `/api/v1/services/${id}/env`)
    assert.equal(env.body.env.APP_SECRET.value, secret, 'the existing secret is kept')
    assert.match(env.body.env.APP_TOKEN.value, /^[0-9a-f]{32}$/)

    const rollback = await t.call(owner, 'POST', `/api/v1/services/${id}/compose/rollback`, { version: 1 })
    assert.equal(rollback.status, 201, JSON.stringify(rollback.body))
    const current = await t.call(owner, 'GET', `/api/v1/services/${id}/compose`)
    assert.equal(current.body.version, 3)
    assert.doesNotMatch(current.body.rendered_yaml, /APP_TOKEN/)
    status = (await t.call(owner, 'GET', `/api/v1/services/${id}/template`)).body.template
    assert.deepEqual(
      [status.version, status.upgrade_available],
      ['1.0.0', true],
      'after the rollback the service runs 1.0.0 again and is offered 1.1.0',
    )
  })

  it('says a plain service has no template, with no error status', async () => {
    const plain = await t.call(owner, 'POST', `/api/v1/projects/${project}/services`, {
      name: 'plain',
      compose: 'services:\n  web:\n    image: berth-test/busybox:1\n',
    })
    assert.equal(plain.status, 201, JSON.stringify(plain.body))
    const status = await t.call(owner, 'GET', `/api/v1/services/${plain.body.uuid}/template`)
    assert.deepEqual([status.status, status.body], [200, { template: null }])
    assert.equal((await t.call(owner, 'POST', `/api/v1/services/${plain.body.uuid}/template/upgrade`, {})).status, 404)
    assert.equal(
      (await t.call(owner, 'GET', '/api/v1/services/00000000-0000-4000-8000-000000000000/template')).status,
      404,
    )
  })
})
