// Templates on the real engine behind a real Caddy: three templates deployed through the API (a
// test-only one on busybox, two catalog ones with their images overridden by a local one), a
// Coolify and a Dokploy import deployed, each reached through its route; then the test template
// is upgraded to its next version and rolled back, the page following each step.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { startCaddyContainer } from './support/caddy.js'
import { deploy, waitForFinished } from './support/deploy-helpers.js'
import { TEST_IMAGE, docker, removeProject, requireDocker } from './support/docker.js'
import { requireTools } from './support/external-tools.js'
import { startTestApp, startTestAppIn, type TestApp } from './support/harness.js'
import {
  COOLIFY_TEMPLATE,
  DOKPLOY_COMPOSE,
  DOKPLOY_TOML,
  demoTemplateDir,
  writeDemoTemplate,
} from './support/template-fixtures.js'
import { proxyRequest, within } from './support/traefik.js'

// A busybox that serves /www (its page says "ok") on port 80 by default, like a web image would.
const WEB_IMAGE = 'berth-test-templates/web:1'
// The container the image is committed from: named per run, as other test runs share the engine.
const WEB_SOURCE = `berth-templates-web-src-${randomBytes(4).toString('hex')}`
const ROUTE_DEADLINE_MS = 30_000

describe('templates deployed on the engine and reached through the proxy', () => {
  it('deploys five, reaches each through its route, upgrades one and rolls it back', {
    timeout: 400_000,
  }, async (t) => {
    if (!requireTools(t, [['caddy', ['version']]]) || !(await requireDocker(t))) return
    const cleanup: (() => unknown)[] = []
    try {
      await docker(['create', '--name', WEB_SOURCE, TEST_IMAGE, 'true'])
      cleanup.push(() => docker(['rm', '-f', WEB_SOURCE]))
      await docker(['commit', '--change', 'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]', WEB_SOURCE, WEB_IMAGE])
      cleanup.push(() => docker(['rmi', '-f', WEB_IMAGE]))
      const workDir = mkdtempSync(join(tmpdir(), 'berth-templates-e2e-'))
      cleanup.push(() => rmSync(workDir, { recursive: true, force: true }))
      const caddy = await startCaddyContainer(workDir)
      cleanup.push(() => caddy.stop())
      const templates = demoTemplateDir('1.0.0')
      cleanup.push(() => rmSync(templates, { recursive: true, force: true }))

      let app: TestApp = await startTestApp({ BERTH_TEMPLATE_DIRS: templates })
      cleanup.push(() => app.close())
      const root = await app.token(['root', 'instance'])
      const settings = await app.call(root, 'PUT', '/api/v1/settings', {
        proxy: 'caddy',
        caddy_admin_url: caddy.adminUrl,
        caddy_http_listen: ':80',
        http_to_https_redirect: false,
      })
      assert.equal(settings.status, 200, JSON.stringify(settings.body))
      app.app.proxySync.start(app.app.events)
      const project = (await app.call(root, 'POST', '/api/v1/projects', { name: 'templates-e2e' })).body.uuid

      const created: { id: string; host: string; page: string }[] = []
      const create = async (path: string, body: Record<string, unknown>, host: string, page: string) => {
        const res = await app.call(root, 'POST', path, { ...body, domain: host, deploy: true })
        assert.equal(res.status, 201, JSON.stringify(res.body))
        const result = res.body.result ?? res.body
        cleanup.push(() => removeProject(composeProjectName(result.service.uuid)))
        created.push({ id: result.service.uuid, host, page })
        return result
      }
      const demo = await create(
        `/api/v1/projects/${project}/templates/berth-test-demo`,
        { name: 'demo', parameters: { title: 'Mine' } },
        'demo.templates.berth.test',
        'Mine\n',
      )
      for (const id of ['it-tools', 'excalidraw'])
        await create(
          `/api/v1/projects/${project}/templates/${id}`,
          { name: id, images: { [id]: WEB_IMAGE } },
          `${id}.templates.berth.test`,
          'ok\n',
        )
      const imports = `/api/v1/projects/${project}/template-imports`
      await create(
        imports,
        { format: 'coolify', name: 'coolify-page', compose: COOLIFY_TEMPLATE },
        'coolify.templates.berth.test',
        'Hello from Coolify\n',
      )
      await create(
        imports,
        { format: 'dokploy', name: 'dokploy-page', compose: DOKPLOY_COMPOSE, template_toml: DOKPLOY_TOML },
        'dokploy.templates.berth.test',
        'Hello from Dokploy\n',
      )

      const page = async (host: string) => (await proxyRequest(caddy.ip, host)).text
      const reaches = (host: string, text: string) =>
        within(
          ROUTE_DEADLINE_MS,
          `${host} answering "${text.trim()}" through Caddy`,
          async () => (await page(host)) === text,
        )
      for (const c of created) {
        const d = (await app.call(root, 'GET', `/api/v1/deployments/services/${c.id}`)).body.deployments[0]
        await waitForFinished(app, root, d.deployment_uuid)
        t.diagnostic(`${c.host}: reached ${Math.round(await reaches(c.host, c.page))} ms after its deployment finished`)
      }

      // A newer Berth ships version 1.1.0 of the test template: the upgrade keeps the title.
      await app.server.close()
      await app.app.close()
      writeDemoTemplate(templates, '1.1.0')
      app = await startTestAppIn(app.dataDir, { BERTH_TEMPLATE_DIRS: templates })
      app.app.proxySync.start(app.app.events)
      const id = demo.service.uuid
      const upgrade = await app.call(root, 'POST', `/api/v1/services/${id}/template/upgrade`, {})
      assert.equal(upgrade.status, 200, JSON.stringify(upgrade.body))
      await waitForFinished(app, root, await deploy(app, root, id))
      await reaches('demo.templates.berth.test', 'hello Mine\n')
      const rollback = await app.call(root, 'POST', `/api/v1/services/${id}/compose/rollback`, { version: 1 })
      assert.equal(rollback.status, 201, JSON.stringify(rollback.body))
      await waitForFinished(app, root, await deploy(app, root, id))
      await reaches('demo.templates.berth.test', 'Mine\n')
    } finally {
      for (const step of cleanup.reverse()) await step()
    }
  })
})
