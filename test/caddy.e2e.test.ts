// Berth configuring a real Caddy through its admin API, routing by Host header to a service that
// Berth's own deployment worker deployed: the routed compose services join the shared network
// `berth` under the alias `<compose service>.<service uuid>`, which Caddy (in a container on that
// network) dials. How fast a change goes live is a figure for benchmarks; this test waits for each
// change up to a generous deadline and reports how long it took.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { startCaddyWithApp } from './support/caddy.js'
import { createService, deploy, logText, waitForEnd } from './support/deploy-helpers.js'
import { TEST_IMAGE, removeProject, requireDocker } from './support/docker.js'
import { requireTools } from './support/external-tools.js'
import { proxyRequest } from './support/traefik.js'

const LIVE_DEADLINE_MS = 15_000

/** Two busybox web servers, each answering with its own name (and at /v2/ with "v2-" and its name). */
const SITE_COMPOSE = `services:
${['web', 'api']
  .map(
    (name) => `  ${name}:
    image: ${TEST_IMAGE}
    command: ["sh", "-c", "mkdir -p /srv/v2 && echo ok-${name} > /srv/index.html && echo v2-${name} > /srv/v2/index.html && exec httpd -f -p 80 -h /srv"]
    stop_grace_period: 1s
`,
  )
  .join('')}`

/** GET through the proxy with a Host header; resolves with status and body. */
function get(ip: string, host: string, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port: 80, path, headers: { host }, timeout: 2000 }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
    req.end()
  })
}

/** Polls until `check` holds; returns the milliseconds it took, or fails after `limitMs`. */
async function within(limitMs: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const start = performance.now()
  while (performance.now() - start < limitMs) {
    if (await check().catch(() => false)) return performance.now() - start
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`${what} did not happen within ${limitMs} ms`)
}

describe('Caddy as the proxy, end to end', () => {
  it('routes by Host header to a service Berth deployed, follows route changes, serves an internal-TLS domain with its own CA, stops routing a deleted domain, repairs drift', {
    timeout: 240_000,
  }, async (t) => {
    if (
      !requireTools(t, [
        ['caddy', ['version']],
        ['ldd', ['--version']],
      ]) ||
      !(await requireDocker(t))
    )
      return
    const cleanup: (() => void | Promise<void>)[] = []
    try {
      const { caddy, app, admin: root } = await startCaddyWithApp(cleanup, 'berth-caddy-')

      const project = (await app.call(root, 'POST', '/api/v1/projects', { name: 'e2e' })).body.uuid
      const serviceId = await createService(app, root, project, 'site', SITE_COMPOSE)
      cleanup.push(() => removeProject(composeProjectName(serviceId)))
      const domain = (
        await app.call(root, 'POST', `/api/v1/projects/${project}/domains`, { domain: 'app.berth.test', tls: false })
      ).body
      await app.call(root, 'POST', `/api/v1/projects/${project}/middlewares`, {
        name: 'strip-api',
        type: 'strip-prefix',
        config: { prefixes: ['/api'] },
      })
      const route = await app.call(root, 'POST', `/api/v1/domains/${domain.id}/routes`, {
        target: { service: serviceId, compose_service: 'web', port: 80 },
      })
      assert.equal(route.status, 201, JSON.stringify(route.body))
      const apiRoute = await app.call(root, 'POST', `/api/v1/domains/${domain.id}/routes`, {
        target: { service: serviceId, compose_service: 'api', port: 80 },
        path: '/api',
        middlewares: ['strip-api'],
      })
      assert.equal(apiRoute.status, 201, JSON.stringify(apiRoute.body))

      // Deployed after the routes exist, so both compose services join the shared network under their aliases.
      const deployment = await waitForEnd(app, root, await deploy(app, root, serviceId))
      const log = await logText(app, root, deployment.deployment_uuid)
      assert.equal(deployment.status, 'finished', log)
      assert.match(log, /Attaching api, web to the (newly created )?network berth/)

      const firstMs = await within(
        LIVE_DEADLINE_MS,
        'the deployed service answering through Caddy',
        async () => (await get(caddy.ip, 'app.berth.test')).body === 'ok-web\n',
      )
      assert.equal(
        (await get(caddy.ip, 'app.berth.test', '/api/')).body,
        'ok-api\n',
        'the path route reaches the other compose service, prefix stripped',
      )
      assert.notEqual((await get(caddy.ip, 'other.berth.test')).body, 'ok-web\n', 'another host is not routed')

      assert.equal((await get(caddy.ip, 'app.berth.test', '/v2/')).body, 'v2-web\n')
      const moved = await app.call(root, 'PATCH', `/api/v1/routes/${apiRoute.body.id}`, {
        path: '/v2',
        middlewares: [],
      })
      assert.equal(moved.status, 200, JSON.stringify(moved.body))
      const pathMs = await within(
        LIVE_DEADLINE_MS,
        'the new path being live',
        async () => (await get(caddy.ip, 'app.berth.test', '/v2/')).body === 'v2-api\n',
      )

      const retarget = await app.call(root, 'PATCH', `/api/v1/routes/${route.body.id}`, {
        target: { service: serviceId, compose_service: 'api', port: 80 },
      })
      assert.equal(retarget.status, 200, JSON.stringify(retarget.body))
      const targetMs = await within(
        LIVE_DEADLINE_MS,
        'the new target being live',
        async () => (await get(caddy.ip, 'app.berth.test')).body === 'ok-api\n',
      )
      t.diagnostic(
        `live through Caddy: first route ${firstMs.toFixed(0)} ms after the deployment, path change ${pathMs.toFixed(0)} ms, target change ${targetMs.toFixed(0)} ms`,
      )

      // An internal domain: Caddy's own CA signs its certificate. Nothing trusts that CA here, so the
      // client accepts any certificate and checks who issued it.
      const inside = await app.call(root, 'POST', `/api/v1/projects/${project}/domains`, {
        domain: 'inside.berth.test',
        tls_mode: 'internal',
      })
      assert.equal(inside.status, 201, JSON.stringify(inside.body))
      const insideRoute = await app.call(root, 'POST', `/api/v1/domains/${inside.body.id}/routes`, {
        target: { service: serviceId, compose_service: 'web', port: 80 },
      })
      assert.equal(insideRoute.status, 201, JSON.stringify(insideRoute.body))
      const https = () => proxyRequest(caddy.ip, 'inside.berth.test', '/', { https: true })
      const internalMs = await within(
        LIVE_DEADLINE_MS,
        'the internal domain answering over HTTPS',
        async () => (await https()).text === 'ok-web\n',
      )
      const served = await https()
      assert.match(served.certIssuer ?? '', /^Caddy Local Authority - /, `issuer: ${served.certIssuer}`)
      assert.equal(served.certAltNames, 'DNS:inside.berth.test')
      t.diagnostic(`internal TLS through Caddy: live ${internalMs.toFixed(0)} ms after the route`)

      assert.equal((await app.call(root, 'DELETE', `/api/v1/domains/${domain.id}`)).status, 204)
      await within(
        LIVE_DEADLINE_MS,
        'routing to stop after the domain was deleted',
        async () => !(await get(caddy.ip, 'app.berth.test')).body.includes('ok'),
      )

      // Drift: someone replaces Caddy's configuration behind Berth's back; a full run restores it.
      const again = (
        await app.call(root, 'POST', `/api/v1/projects/${project}/domains`, { domain: 'again.berth.test', tls: false })
      ).body
      await app.call(root, 'POST', `/api/v1/domains/${again.id}/routes`, {
        target: { service: serviceId, compose_service: 'web', port: 80 },
      })
      await within(
        LIVE_DEADLINE_MS,
        'the new domain routing',
        async () => (await get(caddy.ip, 'again.berth.test')).body === 'ok-web\n',
      )
      await fetch(`${caddy.adminUrl}/load`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ admin: { listen: `${caddy.ip}:2019` } }),
      })
      const run = await app.app.proxySync.runNow()
      assert.deepEqual(run.drift_repaired, ['caddy:admin-api'])
      assert.equal((await get(caddy.ip, 'again.berth.test')).body, 'ok-web\n')
    } finally {
      for (const step of cleanup.reverse()) await step()
    }
  })
})
