import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { type IncomingHttpHeaders, type Server, createServer, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { freePort, waitFor } from '../support/docker.js'
import { requireTools } from '../support/external-tools.js'
import { startTestApp, type TestApp } from '../support/harness.js'
import { HOSTILE, HOSTILE_PATHS, createAttempts } from './injection-support.js'

const HOST = 'caddy.injection.test'
/** Header values a real HTTP exchange carries as they are (printable ASCII). */
const printable = (v: string) => /^[\x20-\x7e]*$/.test(v) && v.trim() === v && v !== ''

/** A GET with our own Host header (fetch drops it). */
function get(listen: string, path: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const [hostname, port] = [listen.slice(0, listen.lastIndexOf(':')), Number(listen.slice(listen.lastIndexOf(':') + 1))]
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, headers: { host: HOST }, timeout: 5000 }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('hostile input with Caddy: rejected, or rendered as the same plain values', () => {
  let t: TestApp
  let root: string
  let attempt: ReturnType<typeof createAttempts>['attempt']
  let counts: ReturnType<typeof createAttempts>['counts']
  let projectId: string
  let domainId: string
  let upstream: Server
  let upstreamPort: number
  const seenByUpstream = new Map<string, Record<string, unknown>>()
  /** Route id -> what it must match and which header value it must carry. */
  const routes = new Map<
    string,
    { path: string; pathMatch: string; header?: { name: string; value: string; on: 'request' | 'response' } }
  >()
  let config: any
  const work = mkdtempSync(join(tmpdir(), 'berth-caddy-injection-'))
  let caddy: ChildProcess | undefined

  before(async () => {
    // The upstream every route dials: it answers with the request headers it received.
    upstreamPort = await freePort()
    upstream = createServer((req, res) => {
      seenByUpstream.set(req.url ?? '', req.headers)
      res.end(JSON.stringify(req.headers))
    })
    await new Promise<void>((resolve) => upstream.listen(upstreamPort, '127.0.0.1', resolve))
    t = await startTestApp()
    root = await t.token(['root', 'instance'])
    ;({ attempt, counts } = createAttempts(t, root))
    const settings = await t.call(root, 'PUT', '/api/v1/settings', {
      proxy: 'caddy',
      // Nothing listens there: the sync's load fails and is logged; the test reads the configuration itself.
      caddy_admin_url: `http://127.0.0.1:${await freePort()}`,
      caddy_http_listen: `127.0.0.1:${await freePort()}`,
    })
    assert.equal(settings.status, 200, JSON.stringify(settings.body))
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'caddy' })).body.uuid
    const domain = await t.call(root, 'POST', `/api/v1/projects/${projectId}/domains`, { domain: HOST, tls: false })
    domainId = domain.body.id
  })
  after(async () => {
    caddy?.kill('SIGKILL')
    upstream.close()
    await t.close()
    rmSync(work, { recursive: true, force: true })
  })

  async function route(path: string, extra: Record<string, unknown> = {}) {
    return attempt('POST', `/api/v1/domains/${domainId}/routes`, {
      target: { url: `http://127.0.0.1:${upstreamPort}` },
      path,
      ...extra,
    })
  }

  it('takes hostile paths and header values only as plain values', async () => {
    for (const [i, path] of HOSTILE_PATHS.entries()) {
      for (const pathMatch of ['prefix', 'exact']) {
        const res = await route(path, { path_match: pathMatch })
        if (res.status === 201) routes.set(res.body.id, { path, pathMatch })
      }
      const h = HOSTILE[i % HOSTILE.length]!
      for (const [on, config] of [
        ['response', { customResponseHeaders: { 'X-Injected': h } }],
        ['request', { customRequestHeaders: { 'X-Injected': h } }],
      ] as const) {
        const m = await attempt('POST', `/api/v1/projects/${projectId}/middlewares`, {
          name: `h${i}-${on}`,
          type: 'headers',
          config,
        })
        if (m.status !== 201) continue
        const res = await route(`/h${i}-${on}`, { middlewares: [m.body.id] })
        assert.equal(res.status, 201, JSON.stringify(res.body))
        routes.set(res.body.id, {
          path: `/h${i}-${on}`,
          pathMatch: 'prefix',
          header: { name: 'X-Injected', value: h, on },
        })
      }
      for (const config of [
        { referrerPolicy: h },
        { contentSecurityPolicy: h },
        { accessControlAllowOriginList: [h] },
      ]) {
        const m = await attempt('POST', `/api/v1/projects/${projectId}/middlewares`, {
          name: `p${i}-${Object.keys(config)[0]!.toLowerCase()}`,
          type: 'headers',
          config,
        })
        if (m.status !== 201) continue
        // Caddy cannot express some options: the route using one is refused with 422, nothing changes.
        const res = await route(`/p${i}-${Object.keys(config)[0]}`, { middlewares: [m.body.id] })
        if (res.status === 201)
          routes.set(res.body.id, { path: `/p${i}-${Object.keys(config)[0]}`, pathMatch: 'prefix' })
        else assert.equal(res.body.error.code, 'invalid_proxy_config')
      }
    }
    assert.ok([...routes.values()].filter((r) => r.header).length > 20, 'header values were accepted')
  })

  it('renders exactly the routes created, each matching its own host and path', async () => {
    const preview = await t.call(root, 'POST', '/api/v1/proxy/preview', {
      change: { op: 'update_domain', id: domainId, data: { active: true } },
    })
    assert.equal(preview.status, 200, JSON.stringify(preview.body))
    assert.equal(preview.body.valid, true, JSON.stringify(preview.body.issues))
    const file = preview.body.files.find((f: any) => f.path === 'caddy/caddy.json')
    config = JSON.parse(file.content)
    assert.deepEqual(Object.keys(config).sort(), ['admin', 'apps'])
    assert.deepEqual(Object.keys(config.apps), ['http'])
    assert.deepEqual(Object.keys(config.apps.http.servers), ['berth_http'])
    const rendered = config.apps.http.servers.berth_http.routes as any[]
    assert.deepEqual(
      rendered.map((r) => r['@id']).sort(),
      [...routes.keys()].map((id) => `route-${id}`).sort(),
      'one Caddy route per route created, no other',
    )
    for (const r of rendered) {
      const expected = routes.get(r['@id'].slice('route-'.length))!
      const path =
        expected.pathMatch === 'exact' ? [expected.path] : expected.path === '/' ? undefined : [`${expected.path}*`]
      assert.deepEqual(r.match, [{ host: [HOST], ...(path && { path }) }])
      assert.equal(r.terminal, true)
      const last = r.handle.at(-1)
      assert.deepEqual(last, { handler: 'reverse_proxy', upstreams: [{ dial: `127.0.0.1:${upstreamPort}` }] })
      assert.ok(r.handle.every((h: any) => ['headers', 'reverse_proxy'].includes(h.handler)))
    }
  })

  it('serves the header values through a real Caddy exactly as they were sent: no placeholder runs', async (ctx) => {
    if (!requireTools(ctx, [['caddy', ['version']]])) return
    const listen = config.apps.http.servers.berth_http.listen[0] as string
    const path = join(work, 'caddy.json')
    writeFileSync(path, JSON.stringify({ ...config, admin: { disabled: true } }))
    // A HOME whose name would show if "{env.HOME}" were replaced.
    const home = join(work, 'home-that-must-not-show')
    caddy = spawn('caddy', ['run', '--config', path], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home },
      stdio: 'ignore',
    })
    await waitFor('Caddy to serve', async () => (await get(listen, '/h0-response')).status === 200, 20_000)
    let checked = 0
    for (const [, r] of routes) {
      if (!r.header || !printable(r.header.value)) continue
      const res = await get(listen, r.path)
      assert.equal(res.status, 200, r.path)
      const got = r.header.on === 'response' ? res.headers['x-injected'] : JSON.parse(res.body)['x-injected']
      assert.equal(got, r.header.value, `${r.header.on} header of ${r.path}: Caddy changed the value`)
      checked++
    }
    assert.ok(checked > 20, `only ${checked} header values went through Caddy`)
    ctx.diagnostic(
      `injection (Caddy): ${counts.tried} hostile requests (${counts.rejected} refused, ${counts.accepted} accepted), ` +
        `${routes.size} routes rendered, ${checked} header values served by a real Caddy exactly as sent`,
    )
  })
})
