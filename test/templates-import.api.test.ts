import assert from 'node:assert/strict'
import { parse } from 'yaml'
import { after, before, describe, it } from 'node:test'
import { startTestApp, type TestApp } from './support/harness.js'
import { COOLIFY_TEMPLATE, DOKPLOY_COMPOSE, DOKPLOY_TOML } from './support/template-fixtures.js'

describe('importing Coolify and Dokploy templates', () => {
  let t: TestApp
  let owner: string
  let url: string

  before(async () => {
    t = await startTestApp()
    owner = await t.token(['root'])
    const project = await t.call(owner, 'POST', '/api/v1/projects', { name: 'imports' })
    url = `/api/v1/projects/${project.body.uuid}/template-imports`
  })
  after(() => t.close())

  async function env(service: string) {
    return (await t.call(owner, 'GET', `/api/v1/services/${service}/env`)).body.env
  }

  it('turns Coolify magic variables into a route, generated secrets and parameters', async () => {
    const res = await t.call(owner, 'POST', url, {
      format: 'coolify',
      name: 'coolify-page',
      compose: COOLIFY_TEMPLATE,
      domain: 'coolify-page.example.com',
    })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    const { result, report, compose } = res.body
    assert.deepEqual(result.route.compose_service, 'web')
    assert.equal(result.route.port, 80)
    assert.deepEqual(result.secrets.map((s: { key: string }) => s.key).sort(), [
      'SERVICE_BASE64_64_SESSION',
      'SERVICE_PASSWORD_ADMIN',
      'SERVICE_USER_ADMIN',
    ])
    assert.doesNotMatch(compose, /SERVICE_FQDN_WEB_80/)
    assert.match(compose, /APP_URL=https:\/\/\{\{berth\.domain\}\}/)
    assert.match(compose, /TITLE=\{\{berth\.title\}\}/)
    const params = Object.fromEntries(result.parameters.map((p: { name: string; value: unknown }) => [p.name, p.value]))
    assert.deepEqual(params, { domain: 'coolify-page.example.com', title: 'Hello from Coolify' })
    assert.ok(report.converted.some((line: string) => line.includes('-> the route')))
    const vars = await env(result.service.uuid)
    assert.equal(vars.SERVICE_PASSWORD_ADMIN.secret, true)
    assert.match(vars.SERVICE_PASSWORD_ADMIN.value, /^[A-Za-z0-9]{32}$/)
    const version = await t.call(owner, 'GET', `/api/v1/services/${result.service.uuid}/compose`)
    assert.match(version.body.rendered_yaml, /APP_URL=https:\/\/coolify-page\.example\.com/)
  })

  it('routes a second Coolify SERVICE_FQDN on a sub-domain named after its service', async () => {
    const twoHosts = COOLIFY_TEMPLATE.concat(
      `  api:\n    image: berth-test/busybox:1\n    command: ["httpd", "-f", "-p", "3000"]\n    environment:\n      - SERVICE_FQDN_API_3000\n`,
    )
    const res = await t.call(owner, 'POST', url, {
      format: 'coolify',
      name: 'coolify-two',
      compose: twoHosts,
      domain: 'two.example.com',
    })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.equal(res.body.result.route.domain, 'two.example.com')
    assert.deepEqual(
      res.body.result.more_routes.map((r: { domain: string; compose_service: string; port: number }) => [
        r.domain,
        r.compose_service,
        r.port,
      ]),
      [['api.two.example.com', 'api', 3000]],
    )
  })

  it('turns a Dokploy template.toml into secrets, the domain parameter and a route, reporting what it left out', async () => {
    const preview = await t.call(owner, 'POST', url, {
      format: 'dokploy',
      name: 'dokploy-page',
      compose: DOKPLOY_COMPOSE,
      template_toml: DOKPLOY_TOML,
      dry_run: true,
    })
    assert.equal(preview.status, 200, JSON.stringify(preview.body))
    assert.equal(preview.body.result, null)
    assert.equal(
      (await t.app.db.selectFrom('services').select('id').where('name', '=', 'dokploy-page').execute()).length,
      0,
    )
    assert.match(preview.body.compose, /DATABASE_URL=postgres:\/\/app:\$\{DB_PASSWORD\}@db:5432\/app/)
    assert.match(preview.body.compose, /PUBLIC_URL=https:\/\/\{\{berth\.domain\}\}/)
    assert.match(preview.body.compose, /TITLE=Hello from Dokploy/)
    const left = preview.body.report.not_converted.join('\n')
    assert.match(
      preview.body.report.converted.join('\n'),
      /admin\.\$\{main_domain\} of app, port 8080 -> a route on admin\.<domain>/,
    )
    assert.match(left, /\/app\/config\.json/)
    // Files bound from ../files/ become configs with their content inline, at the same place.
    const compose = parse(preview.body.compose.replaceAll('{{berth.domain}}', 'example.test'))
    assert.equal(compose.services.app.volumes, undefined)
    assert.deepEqual(compose.services.app.configs, [
      { source: 'file_site_index_html', target: '/srv/index.html' },
      { source: 'file_site_about_txt', target: '/srv/about.txt' },
    ])
    assert.equal(compose.configs.file_site_index_html.content, 'Hello from Dokploy\n')
    // The domain variable became the parameter; a literal `$` is doubled so Compose keeps it.
    assert.equal(compose.configs.file_site_about_txt.content, 'Served for example.test; costs $$5')
    assert.match(
      preview.body.report.converted.join('\n'),
      /site\/index\.html -> config file_site_index_html at \/srv\/index\.html/,
    )
    assert.match(left, /app\/config\.json: no volume of the compose file binds \.\.\/files\/app\/config\.json/)

    const res = await t.call(owner, 'POST', url, {
      format: 'dokploy',
      name: 'dokploy-page',
      compose: DOKPLOY_COMPOSE,
      template_toml: DOKPLOY_TOML,
      domain: 'dokploy-page.example.com',
    })
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.deepEqual(
      res.body.result.secrets.map((s: { key: string }) => s.key),
      ['DB_PASSWORD'],
    )
    assert.match(res.body.result.secrets[0].value, /^[A-Za-z0-9]{24}$/)
    assert.equal(res.body.result.route.port, 80)
    // The second domain of template.toml, on a sub-domain of the main one, is a route too.
    assert.deepEqual(
      res.body.result.more_routes.map((r: { domain: string; port: number }) => [r.domain, r.port]),
      [['admin.dokploy-page.example.com', 8080]],
    )
    const audit = await t.app.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', '=', 'template.imported')
      .where('resource_id', '=', res.body.result.service.uuid)
      .execute()
    assert.equal(audit.length, 1)
  })

  it('refuses a Dokploy template without its template.toml, and an unusable conversion, with codes', async () => {
    const noToml = await t.call(owner, 'POST', url, { format: 'dokploy', name: 'x', compose: DOKPLOY_COMPOSE })
    assert.equal(noToml.status, 400)
    assert.equal(noToml.body.error.code, 'template_toml_required')
    const broken = await t.call(owner, 'POST', url, {
      format: 'coolify',
      name: 'y',
      compose: 'services:\n  web:\n    image: a:1\n    ports: ["not a port"]\n',
    })
    assert.equal(broken.status, 422)
    assert.equal(broken.body.error.code, 'invalid_template')
    const badToml = await t.call(owner, 'POST', url, {
      format: 'dokploy',
      name: 'z',
      compose: DOKPLOY_COMPOSE,
      template_toml: '[variables\n',
    })
    assert.equal(badToml.status, 400)
    assert.equal(badToml.body.error.code, 'invalid_template')
    // A Coolify file that is not YAML at all (found by Schemathesis: it was a 500).
    const notYaml = await t.call(owner, 'POST', url, { format: 'coolify', name: 'w', compose: 'services: [' })
    assert.equal(notYaml.status, 400, JSON.stringify(notYaml.body))
    assert.equal(notYaml.body.error.code, 'invalid_template')
    assert.match(notYaml.body.error.message, /cannot be parsed/)
  })
})
