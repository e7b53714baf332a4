// The site the Traefik end-to-end tests route to: a real Traefik (test/support/traefik.ts) reading
// the files of a Berth with routes for every feature the tests check, to two busybox web servers
// that Berth's own deployment worker deployed. The routes exist before the deployment, so both
// compose services join the shared network under their aliases.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { composeProjectName } from '../../src/deployments/resources.js'
import type { TlsMode } from '../../src/proxy/proxy.model.js'
import { createService, deploy, logText, waitForEnd } from './deploy-helpers.js'
import { TEST_IMAGE, removeProject, requireDocker } from './docker.js'
import { requireTools } from './external-tools.js'
import { startTestApp, type TestApp } from './harness.js'
import { proxyNetworkGateway, proxyRequest, startBerthTraefik, type TraefikContainer, within } from './traefik.js'

export const LIVE_DEADLINE_MS = 15_000
export const TEST_TIMEOUT_MS = 240_000

/**
 * Two busybox web servers, each answering with its own name: at / ("ok-web"), /v2/ ("v2-web"), one
 * page per middleware path ("private-web", ...), a large text file to compress, and a CGI script
 * that prints what the server received (request headers as HTTP_*, the path as REQUEST_URI).
 */
const PAGES = ['private', 'headers', 'limited', 'allowed', 'denied', 'compressed', 'live']
const SITE_COMPOSE = `services:
${['web', 'api']
  .map(
    (name) => `  ${name}:
    image: ${TEST_IMAGE}
    command:
      - sh
      - -c
      - |
        mkdir -p /srv/v2 /srv/cgi-bin
        echo ok-${name} > /srv/index.html
        echo v2-${name} > /srv/v2/index.html
        for p in ${PAGES.join(' ')}; do mkdir -p /srv/$$p && echo $$p-${name} > /srv/$$p/index.html; done
        seq 1 3000 > /srv/compressed/big.txt
        printf '#!/bin/sh\\necho "Content-Type: text/plain"\\necho\\nenv | sort\\n' > /srv/cgi-bin/env
        chmod +x /srv/cgi-bin/env
        exec httpd -f -p 80 -h /srv
    stop_grace_period: 1s
`,
  )
  .join('')}`

export type TraefikSite = {
  app: TestApp
  root: string
  traefik: TraefikContainer
  workDir: string
  projectId: string
  serviceId: string
  gateway: string
  ids: Record<string, string>
}

/** GET through the file-provider Traefik. */
export const get = (env: TraefikSite, host: string, path = '/', options: Parameters<typeof proxyRequest>[3] = {}) =>
  proxyRequest(env.traefik.ip, host, path, options)

/** Calls Berth's API as root; checks the status when one is given; returns the body. */
export async function call(env: TraefikSite, method: string, url: string, body?: unknown, status?: number) {
  const res = await env.app.call(env.root, method as 'GET', url, body)
  if (status !== undefined) assert.equal(res.status, status, `${method} ${url}: ${JSON.stringify(res.body)}`)
  return res.body
}

async function start(cleanup: Cleanup): Promise<TraefikSite> {
  const workDir = mkdtempSync(join(tmpdir(), 'berth-traefik-'))
  cleanup.push(() => rmSync(workDir, { recursive: true, force: true }))
  // Only explicit full runs repair drift here: a periodic one could undo a test's edit before Traefik saw it.
  const app = await startTestApp({ BERTH_PROXY_RECONCILE_SECONDS: '3600' })
  cleanup.push(() => app.close())
  const root = await app.token(['root', 'instance'])
  const partial = { app, root, workDir, gateway: await proxyNetworkGateway() } as TraefikSite
  // An ACME e-mail declares the certificate resolver TLS routers name; no authority is reached.
  await call(partial, 'PUT', '/api/v1/settings', { letsencrypt_email: 'ops@example.com' }, 200)
  app.app.proxySync.start(app.app.events)
  await app.app.proxySync.idle()
  const traefik = await startBerthTraefik(join(app.dataDir, 'proxy'), workDir)
  cleanup.push(() => traefik.stop())
  const env: TraefikSite = { ...partial, traefik, projectId: '', serviceId: '', ids: {} }

  env.projectId = (await call(env, 'POST', '/api/v1/projects', { name: 'traefik-e2e' }, 201)).uuid
  env.serviceId = await createService(app, root, env.projectId, 'site', SITE_COMPOSE)
  cleanup.push(() => removeProject(composeProjectName(env.serviceId)))
  const target = (compose: 'web' | 'api') => ({ service: env.serviceId, compose_service: compose, port: 80 })
  const domain = async (name: string, tls_mode: TlsMode = 'none') =>
    (await call(env, 'POST', `/api/v1/projects/${env.projectId}/domains`, { domain: name, tls_mode }, 201)).id as string
  const route = async (domainId: string, body: Record<string, unknown>) =>
    (await call(env, 'POST', `/api/v1/domains/${domainId}/routes`, body, 201)).id as string
  const middleware = (name: string, type: string, config: unknown) =>
    call(env, 'POST', `/api/v1/projects/${env.projectId}/middlewares`, { name, type, config }, 201)

  await middleware('strip-api', 'strip-prefix', { prefixes: ['/api'] })
  await middleware('strip-ap', 'strip-prefix', { prefixes: ['/ap'] })
  await middleware('add-v2', 'add-prefix', { prefix: '/v2' })
  await middleware('to-https', 'redirect-scheme', { scheme: 'https', permanent: false })
  await middleware('old-to-new', 'redirect-regex', {
    regex: '^http://mw\\.berth\\.test/old/(.*)',
    replacement: 'http://mw.berth.test/new/${1}',
    permanent: true,
  })
  await middleware('auth', 'basic-auth', {
    users: [{ username: 'alice', password: 'correct-horse-1' }],
    realm: 'Berth test',
  })
  await middleware('hdrs', 'headers', {
    customRequestHeaders: { 'X-Berth-Request': 'added-by-traefik' },
    customResponseHeaders: { 'X-Berth-Response': 'added-by-traefik' },
    frameDeny: true,
  })
  await middleware('limit', 'rate-limit', { average: 1, period: '1m', burst: 2 })
  await middleware('allow-host', 'ip-allow-list', { sourceRange: [`${partial.gateway}/32`] })
  await middleware('deny-host', 'ip-allow-list', { sourceRange: ['192.0.2.0/24'], rejectStatusCode: 451 })
  await middleware('gzip', 'compress', {})

  const app1 = await domain('app.berth.test')
  env.ids.appRoot = await route(app1, { target: target('web'), health_check: { path: '/' } })
  await route(app1, { target: target('api'), path: '/api', middlewares: ['strip-api'] })
  await route(app1, { target: target('api'), path: '/v2/', path_match: 'exact' })
  const pri = await domain('pri.berth.test')
  env.ids.priRoot = await route(pri, { target: target('web') })
  await route(pri, { target: target('api'), path: '/v2' })
  await route(await domain('*.wild.berth.test'), { target: target('web') })
  await route(await domain('secure.berth.test', 'acme'), { target: target('web') })
  await route(await domain('inside.berth.test', 'internal'), { target: target('web') })
  const mw = await domain('mw.berth.test')
  await route(mw, { target: target('web') })
  await route(mw, { target: target('web'), path: '/go-secure', middlewares: ['to-https'] })
  await route(mw, { target: target('web'), path: '/old', middlewares: ['old-to-new'] })
  await route(mw, { target: target('web'), path: '/private', middlewares: ['auth'] })
  await route(mw, { target: target('web'), path: '/cgi-bin', middlewares: ['hdrs'] })
  await route(mw, { target: target('web'), path: '/ap', middlewares: ['strip-ap', 'add-v2'] })
  await route(mw, { target: target('web'), path: '/limited', middlewares: ['limit'] })
  await route(mw, { target: target('web'), path: '/allowed', middlewares: ['allow-host'] })
  await route(mw, { target: target('web'), path: '/denied', middlewares: ['deny-host'] })
  await route(mw, { target: target('web'), path: '/compressed', middlewares: ['gzip'] })

  // Deployed after the routes exist, so both compose services join the shared network under their aliases.
  const deployment = await waitForEnd(app, root, await deploy(app, root, env.serviceId))
  const log = await logText(app, root, deployment.deployment_uuid)
  assert.equal(deployment.status, 'finished', log)
  assert.match(log, /Attaching api, web to the (newly created )?network berth/)
  await within(
    60_000,
    'the deployed service answering through Traefik',
    async () => (await get(env, 'mw.berth.test')).text === 'ok-web\n',
  )
  return env
}

type Cleanup = (() => void | Promise<void>)[]

/**
 * One site per test file, set up by the first test that asks for it: `ready(t)` resolves to it, or
 * to null when Traefik or Docker is missing (the test is then skipped; in CI it fails instead).
 * `close()` undoes everything, in reverse order; call it from the file's `after`.
 */
export function traefikSiteFixture() {
  const cleanup: Cleanup = []
  let setup: Promise<TraefikSite> | undefined
  return {
    cleanup,
    async ready(t: TestContext): Promise<TraefikSite | null> {
      if (
        !requireTools(t, [
          ['traefik', ['version']],
          ['docker', ['--version']],
        ]) ||
        !(await requireDocker(t))
      )
        return null
      setup ??= start(cleanup)
      return setup
    },
    async close(): Promise<void> {
      for (const step of cleanup.reverse()) await step()
    },
  }
}
