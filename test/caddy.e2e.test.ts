// Berth configuring a real Caddy (Debian's caddy, started here with only an admin listener)
// through its admin API, routing by Host header to real containers on the real Docker engine.
//
// STAND-IN: the deployment worker is being built on another branch, so this test starts the
// busybox httpd containers itself with `docker run` and routes to them by URL target
// (http://127.0.0.1:<published port>). Once the branches merge, the containers should come from
// a Berth deployment and the route should target the Berth service (compose service + port).
import assert from 'node:assert/strict'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { request } from 'node:http'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { requireTools } from './support/external-tools.js'
import { startTestApp } from './support/harness.js'

const IMAGE = 'berth-test/busybox:1'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** GET through the proxy with a Host header; resolves with status and body. */
function get(port: number, host: string, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, timeout: 2000 }, (res) => {
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
    await new Promise((r) => setTimeout(r, 10))
  }
  throw new Error(`${what} did not happen within ${limitMs} ms`)
}

function startContainer(content: string): { id: string; port: number } {
  const script = `mkdir -p /srv && echo ${content} > /srv/index.html && exec httpd -f -p 80 -h /srv`
  const id = execFileSync('docker', ['run', '-d', '--rm', '-p', '127.0.0.1::80', IMAGE, 'sh', '-c', script], { encoding: 'utf8' }).trim()
  const mapping = execFileSync('docker', ['port', id, '80/tcp'], { encoding: 'utf8' }).trim().split('\n')[0]!
  return { id, port: Number(mapping.split(':').pop()) }
}

describe('Caddy as the proxy, end to end', () => {
  it('routes by Host header to a container; route changes are live within 1 s; deleting the domain stops routing', { timeout: 120_000 }, async (t) => {
    if (!requireTools(t, [['caddy', ['version']], ['docker', ['image', 'inspect', IMAGE]]])) return
    const cleanup: (() => void | Promise<void>)[] = []
    try {
      const first = startContainer('ok')
      cleanup.push(() => void execFileSync('docker', ['rm', '-f', first.id], { stdio: 'ignore' }))
      const second = startContainer('ok-two')
      cleanup.push(() => void execFileSync('docker', ['rm', '-f', second.id], { stdio: 'ignore' }))

      const [adminPort, httpPort] = [await freePort(), await freePort()]
      const caddyDir = mkdtempSync(join(tmpdir(), 'berth-caddy-'))
      cleanup.push(() => rmSync(caddyDir, { recursive: true, force: true }))
      writeFileSync(join(caddyDir, 'boot.json'), JSON.stringify({ admin: { listen: `127.0.0.1:${adminPort}` } }))
      const caddy: ChildProcess = spawn('caddy', ['run', '--config', join(caddyDir, 'boot.json')], {
        env: { ...process.env, XDG_DATA_HOME: caddyDir, XDG_CONFIG_HOME: caddyDir, HOME: caddyDir },
        stdio: 'ignore',
      })
      cleanup.push(() => void caddy.kill('SIGTERM'))
      await within(10_000, 'Caddy admin API answering', async () => (await fetch(`http://127.0.0.1:${adminPort}/config/`)).ok)

      const app = await startTestApp()
      cleanup.push(() => app.close())
      const root = await app.token(['root'])
      const put = await app.call(root, 'PUT', '/api/v1/settings', { proxy: 'caddy', caddy_admin_url: `http://127.0.0.1:${adminPort}`, caddy_http_listen: `127.0.0.1:${httpPort}`, http_to_https_redirect: false })
      assert.equal(put.status, 200, JSON.stringify(put.body))
      app.app.proxySync.start(app.app.events)

      const project = (await app.call(root, 'POST', '/api/v1/projects', { name: 'e2e' })).body.uuid
      const domain = (await app.call(root, 'POST', `/api/v1/projects/${project}/domains`, { domain: 'app.berth.test', tls: false })).body
      await app.call(root, 'POST', `/api/v1/projects/${project}/middlewares`, { name: 'strip-api', type: 'strip-prefix', config: { prefixes: ['/api'] } })
      const route = await app.call(root, 'POST', `/api/v1/domains/${domain.id}/routes`, { target: { url: `http://127.0.0.1:${first.port}` } })
      assert.equal(route.status, 201, JSON.stringify(route.body))

      await within(2000, 'the first route serving "ok"', async () => (await get(httpPort, 'app.berth.test')).body === 'ok\n')
      assert.notEqual((await get(httpPort, 'other.berth.test')).body, 'ok\n', 'another host is not routed')

      const moved = await app.call(root, 'PATCH', `/api/v1/routes/${route.body.id}`, { path: '/api', middlewares: ['strip-api'] })
      assert.equal(moved.status, 200, JSON.stringify(moved.body))
      const pathMs = await within(1000, 'the new path prefix being live', async () => (await get(httpPort, 'app.berth.test', '/api/')).body === 'ok\n' && (await get(httpPort, 'app.berth.test', '/')).body === '')

      await app.call(root, 'PATCH', `/api/v1/routes/${route.body.id}`, { target: { url: `http://127.0.0.1:${second.port}` } })
      const targetMs = await within(1000, 'the new target being live', async () => (await get(httpPort, 'app.berth.test', '/api/')).body === 'ok-two\n')
      t.diagnostic(`path change live after ${pathMs.toFixed(0)} ms, target change after ${targetMs.toFixed(0)} ms`)

      assert.equal((await app.call(root, 'DELETE', `/api/v1/domains/${domain.id}`)).status, 204)
      await within(1000, 'routing to stop after the domain was deleted', async () => !(await get(httpPort, 'app.berth.test', '/api/')).body.includes('ok'))

      // Drift: someone replaces Caddy's configuration behind Berth's back; a full run restores it.
      const d2 = (await app.call(root, 'POST', `/api/v1/projects/${project}/domains`, { domain: 'again.berth.test', tls: false })).body
      await app.call(root, 'POST', `/api/v1/domains/${d2.id}/routes`, { target: { url: `http://127.0.0.1:${first.port}` } })
      await within(1000, 'the new domain routing', async () => (await get(httpPort, 'again.berth.test')).body === 'ok\n')
      await fetch(`http://127.0.0.1:${adminPort}/load`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ admin: { listen: `127.0.0.1:${adminPort}` } }) })
      const run = await app.app.proxySync.runNow()
      assert.deepEqual(run.drift_repaired, ['caddy:admin-api'])
      assert.equal((await get(httpPort, 'again.berth.test')).body, 'ok\n')
    } finally {
      for (const step of cleanup.reverse()) await step()
    }
  })
})
