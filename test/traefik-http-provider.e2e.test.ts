// Traefik's HTTP provider against a real Traefik: a second Traefik, configured with Berth's own
// static file but the HTTP provider in place of the file provider, polls Berth on a real port and
// serves the same routes as the Traefik that reads the files; when Berth goes away it keeps
// serving the last configuration it received.
import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { parse, stringify } from 'yaml'
import { ACME_UNREACHABLE, proxyRequest, startTraefikContainer, within } from './support/traefik.js'
import { call, LIVE_DEADLINE_MS, TEST_TIMEOUT_MS, traefikSiteFixture } from './support/traefik-site.js'

const site = traefikSiteFixture()
const ready = site.ready
const cleanup = site.cleanup

describe("Traefik's HTTP provider, end to end", () => {
  after(() => site.close())

  it("a second Traefik on Berth's HTTP provider serves the same routes, and keeps them while Berth is unreachable", {
    timeout: TEST_TIMEOUT_MS,
  }, async (t) => {
    const env = await ready(t)
    if (!env) return
    // Berth on a real port, on the address containers of the `berth` network reach the host by.
    await env.app.server.listen({ host: env.gateway, port: 0 })
    const { port } = env.app.server.server.address() as AddressInfo
    // The provider's own credential: a token holding "proxy:provider" alone (docs/operations.md).
    const token = await env.app.token(['proxy:provider'])
    const staticDoc = parse(readFileSync(join(env.app.dataDir, 'proxy', 'static', 'traefik.yml'), 'utf8'))
    // Berth's own static file, with the HTTP provider in place of the file provider.
    staticDoc.providers = {
      http: {
        endpoint: `http://${env.gateway}:${port}/api/v1/proxy/traefik/dynamic`,
        pollInterval: '1s',
        pollTimeout: '1s',
        headers: { Authorization: `Bearer ${token}` },
      },
    }
    const dir = join(env.workDir, 'http-provider')
    mkdirSync(join(dir, 'static'), { recursive: true })
    mkdirSync(join(dir, 'letsencrypt'))
    writeFileSync(join(dir, 'static', 'traefik.yml'), stringify(staticDoc))
    const second = await startTraefikContainer({
      mounts: [`${dir}:/etc/traefik:ro`, `${join(dir, 'letsencrypt')}:/letsencrypt`],
      args: ['--configFile=/etc/traefik/static/traefik.yml'],
      logPath: join(env.workDir, 'traefik-http.log'),
      hosts: ['acme-v02.api.letsencrypt.org:127.0.0.1'],
    })
    cleanup.push(() => second.stop())

    const requests: [string, string, Parameters<typeof proxyRequest>[3]?][] = [
      ['app.berth.test', '/'],
      ['app.berth.test', '/api/'],
      ['app.berth.test', '/v2/'],
      ['x2.wild.berth.test', '/'],
      ['secure.berth.test', '/'],
      ['secure.berth.test', '/', { https: true }],
      ['mw.berth.test', '/private/'],
      ['mw.berth.test', '/ap/'],
      ['mw.berth.test', '/old/x'],
      ['nowhere.berth.test', '/'],
    ]
    const answers = async (ip: string) =>
      Promise.all(
        requests.map(async ([host, path, options]) => {
          const r = await proxyRequest(ip, host, path, options)
          return `${host}${path} ${r.status} ${r.headers.location ?? ''} ${r.text.trim().slice(0, 40)}`
        }),
      )
    const expected = await answers(env.traefik.ip)
    await within(
      30_000,
      'the HTTP-provider Traefik answering as the file-provider one does',
      async () => JSON.stringify(await answers(second.ip)) === JSON.stringify(expected),
    )
    assert.ok(expected.includes('app.berth.test/ 200  ok-web'), expected.join('\n'))

    const domain = (
      await call(
        env,
        'POST',
        `/api/v1/projects/${env.projectId}/domains`,
        { domain: 'polled.berth.test', tls: false },
        201,
      )
    ).id
    await call(env, 'POST', `/api/v1/domains/${domain}/routes`, { target: { url: `http://api.${env.serviceId}` } }, 201)
    await within(
      LIVE_DEADLINE_MS,
      'a new route reaching the HTTP-provider Traefik at its next poll',
      async () => (await proxyRequest(second.ip, 'polled.berth.test')).text === 'ok-api\n',
    )

    const pollErrors = () => second.errorLines([ACME_UNREACHABLE]).filter((l) => /providerName=http\b/.test(l))
    assert.deepEqual(
      second.errorLines([ACME_UNREACHABLE]),
      [],
      'no error while Berth was up: the document loads as it is',
    )
    await env.app.server.close()
    await within(30_000, 'Traefik reporting two failed polls', async () => pollErrors().length >= 2)
    const kept = await answers(second.ip)
    assert.deepEqual(kept, expected, 'the last good configuration still serves')
    assert.equal((await proxyRequest(second.ip, 'polled.berth.test')).text, 'ok-api\n')
  })
})
