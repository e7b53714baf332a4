// Berth's Traefik configuration proven against a real Traefik (the version scripts/setup-test-host.sh
// pins): Traefik runs in a container on the shared network `berth`, reads Berth's static file and
// watches its dynamic directory exactly as the sync service writes them (the whole proxy directory
// mounted read-only, as the shipped docker-compose.yml does), and routes to a service Berth's own
// deployment worker deployed. Every check goes through Traefik; changes are polled up to a
// deadline, never waited for with a fixed sleep. The golden files stay as the fast check.
import assert from 'node:assert/strict'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { gunzipSync } from 'node:zlib'
import { stringify } from 'yaml'
import { ACME_UNREACHABLE, readTraefikLog, traefikVersion, within } from './support/traefik.js'
import { call, get, LIVE_DEADLINE_MS, TEST_TIMEOUT_MS, traefikSiteFixture } from './support/traefik-site.js'

const site = traefikSiteFixture()
const ready = site.ready

describe('Traefik as the proxy, end to end', () => {
  after(() => site.close())

  it('routes by host (exact and wildcard), path prefix and exact path to a service Berth deployed', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const env = await ready(t)
    if (!env) return
    t.diagnostic(`Traefik ${traefikVersion()}`)
    assert.equal((await get(env, 'app.berth.test')).text, 'ok-web\n')
    assert.equal((await get(env, 'app.berth.test', '/api/')).text, 'ok-api\n', 'path prefix, prefix stripped')
    assert.equal((await get(env, 'app.berth.test', '/v2/')).text, 'v2-api\n', 'the exact path')
    assert.equal(
      (await get(env, 'app.berth.test', '/v2/index.html')).text,
      'v2-web\n',
      'below the exact path: the / route',
    )
    assert.equal((await get(env, 'x1.wild.berth.test')).text, 'ok-web\n', 'one level under a wildcard')
    assert.equal((await get(env, 'a.b.wild.berth.test')).status, 404, 'a wildcard matches one level only')
    assert.equal((await get(env, 'wild.berth.test')).status, 404, 'a wildcard does not match its own domain')
    assert.equal((await get(env, 'other.berth.test')).status, 404, 'another host is not routed')
  })

  it('orders overlapping routes by the priority Berth stores, live', { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const env = await ready(t)
    if (!env) return
    assert.equal((await get(env, 'pri.berth.test', '/v2/')).text, 'v2-api\n', 'the longer rule wins by default')
    await call(env, 'PATCH', `/api/v1/routes/${env.ids.priRoot}`, { priority: 100_000 }, 200)
    await within(
      LIVE_DEADLINE_MS,
      'the / route with the higher priority taking /v2/',
      async () => (await get(env, 'pri.berth.test', '/v2/')).text === 'v2-web\n',
    )
    await call(env, 'PATCH', `/api/v1/routes/${env.ids.priRoot}`, { priority: null }, 200)
    await within(
      LIVE_DEADLINE_MS,
      'the default order back',
      async () => (await get(env, 'pri.berth.test', '/v2/')).text === 'v2-api\n',
    )
  })

  it('redirects HTTP to HTTPS and serves TLS with the default self-signed certificate, for ACME and internal domains', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const env = await ready(t)
    if (!env) return
    const plain = await get(env, 'secure.berth.test', '/v2/?a=1')
    assert.equal(plain.status, 301, 'the shared redirect is permanent')
    assert.equal(plain.headers.location, 'https://secure.berth.test/v2/?a=1')
    const tls = await get(env, 'secure.berth.test', '/', { https: true })
    assert.equal(tls.text, 'ok-web\n')
    // No certificate authority answers here, so Traefik serves its own certificate.
    assert.equal(tls.certSubject, 'TRAEFIK DEFAULT CERT')
    // An internal domain asks for no resolver at all: Traefik's own certificate, by design.
    const internal = await get(env, 'inside.berth.test', '/', { https: true })
    assert.equal(internal.text, 'ok-web\n')
    assert.equal(internal.certSubject, 'TRAEFIK DEFAULT CERT')
    assert.equal(internal.certIssuer, 'TRAEFIK DEFAULT CERT', 'self-signed by Traefik')
    assert.equal((await get(env, 'inside.berth.test', '/')).status, 301, 'HTTP redirects to HTTPS as for ACME')
    assert.equal((await get(env, 'app.berth.test', '/', { https: true })).status, 404, 'a non-TLS domain is HTTP only')
  })

  it('applies every middleware type Berth offers, each with a request that shows its effect', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const env = await ready(t)
    if (!env) return
    const host = 'mw.berth.test'

    // redirect-scheme (a project middleware, beside the shared one tested above)
    const toHttps = await get(env, host, '/go-secure/x')
    assert.equal(toHttps.status, 302)
    assert.equal(toHttps.headers.location, 'https://mw.berth.test/go-secure/x')

    // redirect-regex
    const moved = await get(env, host, '/old/page?q=1')
    assert.equal(moved.status, 301)
    assert.equal(moved.headers.location, 'http://mw.berth.test/new/page?q=1')

    // basic-auth: the bcrypt hash Berth stored ($2y$) is what Traefik checks the password against
    const anonymous = await get(env, host, '/private/')
    assert.equal(anonymous.status, 401)
    assert.equal(anonymous.headers['www-authenticate'], 'Basic realm="Berth test"')
    const basic = (user: string, password: string) => ({
      authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
    })
    assert.equal((await get(env, host, '/private/', { headers: basic('alice', 'wrong-password') })).status, 401)
    const allowed = await get(env, host, '/private/', { headers: basic('alice', 'correct-horse-1') })
    assert.equal(allowed.status, 200)
    assert.equal(allowed.text, 'private-web\n')

    // headers: one added to the request (seen by the CGI script), one to the response, frameDeny
    const echoed = await get(env, host, '/cgi-bin/env')
    assert.equal(echoed.status, 200, echoed.text)
    assert.match(echoed.text, /^HTTP_X_BERTH_REQUEST=added-by-traefik$/m)
    assert.equal(echoed.headers['x-berth-response'], 'added-by-traefik')
    assert.equal(echoed.headers['x-frame-options'], 'DENY')

    // strip-prefix then add-prefix, in the order the route lists them: /ap/ reaches the server as /v2/
    assert.equal((await get(env, host, '/ap/')).text, 'v2-web\n')
    // strip-prefix alone, seen by the server: the path without /api, the prefix in X-Forwarded-Prefix
    const stripped = await get(env, 'app.berth.test', '/api/cgi-bin/env')
    assert.match(stripped.text, /^REQUEST_URI=\/cgi-bin\/env$/m)
    assert.match(stripped.text, /^HTTP_X_FORWARDED_PREFIX=\/api$/m)

    // rate-limit: a burst of 2, then one request a minute; the third in a row is refused
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) statuses.push((await get(env, host, '/limited/')).status)
    assert.deepEqual(statuses.slice(0, 2), [200, 200])
    assert.ok(statuses.slice(2).includes(429), `expected a 429 after the burst, got ${statuses.join(', ')}`)

    // ip-allow-list: the host's address on the network is allowed by one list and refused by another
    assert.equal((await get(env, host, '/allowed/')).text, 'allowed-web\n')
    assert.equal((await get(env, host, '/denied/')).status, 451, 'refused with the configured status')

    // compress: gzip when asked for, and only on the route that has the middleware
    const big = await get(env, host, '/compressed/big.txt', { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(big.headers['content-encoding'], 'gzip')
    const plain = await get(env, 'app.berth.test', '/compressed/big.txt', { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(plain.headers['content-encoding'], undefined)
    assert.equal(gunzipSync(big.body).toString(), plain.text)
    assert.ok(big.body.length < plain.body.length / 2, `${big.body.length} bytes compressed of ${plain.body.length}`)
  })

  it('follows route and domain changes without a restart: add, change and delete', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const env = await ready(t)
    if (!env) return
    const live = (what: string, check: () => Promise<boolean>) => within(LIVE_DEADLINE_MS, what, check)
    const body = async (host: string, path = '/') => (await get(env, host, path)).text
    const timings: string[] = []

    const domain = (
      await call(
        env,
        'POST',
        `/api/v1/projects/${env.projectId}/domains`,
        { domain: 'live.berth.test', tls: false },
        201,
      )
    ).id
    const route = (
      await call(
        env,
        'POST',
        `/api/v1/domains/${domain}/routes`,
        { target: { service: env.serviceId, compose_service: 'web', port: 80 } },
        201,
      )
    ).id
    timings.push(
      `add ${(await live('the new domain and route', async () => (await body('live.berth.test')) === 'ok-web\n')).toFixed(0)} ms`,
    )

    await call(
      env,
      'PATCH',
      `/api/v1/routes/${route}`,
      { target: { service: env.serviceId, compose_service: 'api', port: 80 } },
      200,
    )
    timings.push(
      `target ${(await live('the new target', async () => (await body('live.berth.test')) === 'ok-api\n')).toFixed(0)} ms`,
    )

    await call(env, 'PATCH', `/api/v1/routes/${route}`, { path: '/live' }, 200)
    timings.push(
      `path ${(
        await live(
          'the new path',
          async () =>
            (await body('live.berth.test', '/live/')) === 'live-api\n' &&
            (await get(env, 'live.berth.test')).status === 404,
        )
      ).toFixed(0)} ms`,
    )

    await call(env, 'PATCH', `/api/v1/domains/${domain}`, { domain: 'renamed.berth.test' }, 200)
    timings.push(
      `domain rename ${(
        await live(
          'the renamed domain',
          async () =>
            (await body('renamed.berth.test', '/live/')) === 'live-api\n' &&
            (await get(env, 'live.berth.test', '/live/')).status === 404,
        )
      ).toFixed(0)} ms`,
    )

    await call(env, 'DELETE', `/api/v1/routes/${route}`, undefined, 204)
    timings.push(
      `route delete ${(await live('the deleted route gone', async () => (await get(env, 'renamed.berth.test', '/live/')).status === 404)).toFixed(0)} ms`,
    )

    await call(env, 'POST', `/api/v1/domains/${domain}/routes`, { target: { url: `http://web.${env.serviceId}` } }, 201)
    await live('a route to a URL target', async () => (await body('renamed.berth.test')) === 'ok-web\n')
    await call(env, 'DELETE', `/api/v1/domains/${domain}`, undefined, 204)
    timings.push(
      `domain delete ${(await live('the deleted domain gone', async () => (await get(env, 'renamed.berth.test')).status === 404)).toFixed(0)} ms`,
    )
    t.diagnostic(`live through Traefik: ${timings.join(', ')}`)
  })

  it('repairs a file edited behind its back and removes an orphan file, and Traefik follows both', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const env = await ready(t)
    if (!env) return
    const dynamic = join(env.app.dataDir, 'proxy', 'dynamic')
    // Written like Berth writes (a .tmp name Traefik ignores, then a rename), so Traefik never reads half a file.
    const put = (name: string, text: string) => {
      writeFileSync(join(dynamic, `${name}.tmp`), text)
      renameSync(join(dynamic, `${name}.tmp`), join(dynamic, name))
    }
    const projectFile = `project-${env.projectId}.yml`
    const original = readFileSync(join(dynamic, projectFile), 'utf8')
    put(projectFile, original.replaceAll(`web.${env.serviceId}`, `api.${env.serviceId}`))
    await within(
      LIVE_DEADLINE_MS,
      'Traefik loading the edited file',
      async () => (await get(env, 'app.berth.test')).text === 'ok-api\n',
    )
    put(
      'rogue.yml',
      stringify({
        http: {
          routers: { rogue: { rule: 'Host(`rogue.berth.test`)', service: 'rogue', entryPoints: ['web'] } },
          services: { rogue: { loadBalancer: { servers: [{ url: `http://web.${env.serviceId}` }] } } },
        },
      }),
    )
    await within(
      LIVE_DEADLINE_MS,
      'Traefik loading the orphan file',
      async () => (await get(env, 'rogue.berth.test')).text === 'ok-web\n',
    )

    const run = await env.app.app.proxySync.runNow()
    assert.deepEqual(run.drift_repaired, [`dynamic/${projectFile}`])
    assert.deepEqual(run.files_removed, ['dynamic/rogue.yml'])
    await within(
      LIVE_DEADLINE_MS,
      'the repaired file live',
      async () => (await get(env, 'app.berth.test')).text === 'ok-web\n',
    )
    await within(
      LIVE_DEADLINE_MS,
      'the orphan route gone',
      async () => (await get(env, 'rogue.berth.test')).status === 404,
    )
  })
  it('refuses with 422 each change the validators reject, writes nothing, and Traefik keeps serving every route', {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const env = await ready(t)
    if (!env) return
    const { db } = env.app.app
    const fragile = (await call(env, 'POST', '/api/v1/projects', { name: 'fragile' }, 201)).uuid
    const domain = (
      await call(env, 'POST', `/api/v1/projects/${fragile}/domains`, { domain: 'fragile.berth.test', tls: false }, 201)
    ).id
    const tag = await call(
      env,
      'POST',
      `/api/v1/projects/${fragile}/middlewares`,
      { name: 'tag', type: 'headers', config: { customResponseHeaders: { 'X-Fragile': 'yes' } } },
      201,
    )
    // URL targets: a route may name a service of its own project only, and the site is in the other one.
    const target = (compose: string) => ({ url: `http://${compose}.${env.serviceId}` })
    const rootRoute = (await call(env, 'POST', `/api/v1/domains/${domain}/routes`, { target: target('web') }, 201)).id
    const v2Route = (
      await call(
        env,
        'POST',
        `/api/v1/domains/${domain}/routes`,
        { target: target('api'), path: '/v2', middlewares: ['tag'] },
        201,
      )
    ).id
    const serving = async () => {
      const v2 = await get(env, 'fragile.berth.test', '/v2/')
      return (
        (await get(env, 'fragile.berth.test')).text === 'ok-web\n' &&
        v2.text === 'v2-api\n' &&
        v2.headers['x-fragile'] === 'yes' &&
        (await get(env, 'app.berth.test')).text === 'ok-web\n'
      )
    }
    await within(LIVE_DEADLINE_MS, 'the fragile project routing', serving)
    const file = join(env.app.dataDir, 'proxy', 'dynamic', `project-${fragile}.yml`)
    const before = readFileSync(file, 'utf8')
    const routeRow = await db.selectFrom('proxy_routes').selectAll().where('id', '=', v2Route).executeTakeFirstOrThrow()
    const restoreRoute = () =>
      db
        .updateTable('proxy_routes')
        .set({ target_type: routeRow.target_type, url: routeRow.url, path: routeRow.path })
        .where('id', '=', v2Route)
        .execute()

    // The database's view broken behind the API's back, in each way the validators know.
    const breakages: { what: string; message: RegExp; breakIt(): Promise<unknown>; restore(): Promise<unknown> }[] = [
      {
        what: 'a middleware the route names is missing (moved to another project)',
        message: /names the middleware "mw-[^"]+@file", which is not defined/,
        breakIt: () =>
          db.updateTable('proxy_middlewares').set({ project_id: env.projectId }).where('id', '=', tag.id).execute(),
        restore: () =>
          db.updateTable('proxy_middlewares').set({ project_id: fragile }).where('id', '=', tag.id).execute(),
      },
      {
        what: "a route's service has no usable server (a target URL that does not parse)",
        message: /has a server without a valid URL/,
        breakIt: () =>
          db
            .updateTable('proxy_routes')
            .set({ target_type: 'url', url: 'http://not a host/' })
            .where('id', '=', v2Route)
            .execute(),
        restore: restoreRoute,
      },
      {
        what: 'a rule with bad syntax (a backquote in the path)',
        message: /is not a rule Berth renders/,
        breakIt: () =>
          db.updateTable('proxy_routes').set({ path: '/v2`) || Host(`evil' }).where('id', '=', v2Route).execute(),
        restore: restoreRoute,
      },
    ]
    // A change to a route is checked by rendering that route (proxy.check.ts): the broken one here.
    for (const { what, message, breakIt, restore } of breakages) {
      await breakIt()
      const refused = await env.app.call(env.root, 'PATCH', `/api/v1/routes/${v2Route}`, { priority: 7 })
      assert.equal(refused.status, 422, `${what}: ${JSON.stringify(refused.body)}`)
      assert.equal(refused.body.error.code, 'invalid_proxy_config', what)
      assert.match(refused.body.error.message, message, what)
      const run = await env.app.app.proxySync.runNow()
      assert.ok(
        run.render_issues.some((i) => i.file === `dynamic/project-${fragile}.yml` && message.test(i.message)),
        `${what}: the sync reports the issue instead of writing it (${JSON.stringify(run.render_issues)})`,
      )
      assert.equal(readFileSync(file, 'utf8'), before, `${what}: the file on disk is untouched`)
      assert.ok(await serving(), `${what}: Traefik still serves the project and the others`)
      await restore()
    }

    // And through the API alone: a middleware that renders an empty map (Traefik rejects a whole file for one).
    await call(
      env,
      'POST',
      `/api/v1/projects/${fragile}/middlewares`,
      { name: 'empty', type: 'headers', config: {} },
      201,
    )
    const empty = await env.app.call(env.root, 'PATCH', `/api/v1/routes/${rootRoute}`, { middlewares: ['empty'] })
    assert.equal(empty.status, 422, JSON.stringify(empty.body))
    assert.match(empty.body.error.message, /empty map/)

    const run = await env.app.app.proxySync.runNow()
    assert.deepEqual(run.render_issues, [], 'every breakage was repaired')
    assert.equal(readFileSync(file, 'utf8'), before)
    await call(env, 'PATCH', `/api/v1/routes/${v2Route}`, { middlewares: [] }, 200)
    await within(
      LIVE_DEADLINE_MS,
      'a valid change going live again',
      async () => (await get(env, 'fragile.berth.test', '/v2/')).headers['x-fragile'] === undefined,
    )
  })

  it("logged no error about Berth's files during the whole run", { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const env = await ready(t)
    if (!env) return
    const log = readTraefikLog(env.traefik.logPath)
    assert.ok(
      log.some((l) => l.includes('Starting provider *file.Provider')),
      "the log is Traefik's, with the file provider started",
    )
    // ACME errors are expected (no certificate authority is reachable here); everything else is a finding.
    assert.deepEqual(env.traefik.errorLines([ACME_UNREACHABLE]), [])
    const aboutBerth = log.filter(
      (l) =>
        /^\S+ (WRN|ERR) /.test(l) && !ACME_UNREACHABLE.test(l) && /@file|providerName=file|\/etc\/traefik\//.test(l),
    )
    assert.deepEqual(aboutBerth, [], 'no warning names a file, router or middleware of Berth either')
  })
})
