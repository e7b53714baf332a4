// The shipped docker-compose.yml against Berth's default settings and a real Traefik: the Traefik
// service's command, volumes, published ports and health check are taken from the compose file
// (as `docker compose config` resolves it), Traefik is started with exactly that command on the
// static file Berth generates, and a page is fetched through the published ports.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { DEFAULT_SETTINGS } from '../src/settings/settings.types.js'
import { REPO_ROOT } from './support/cli.js'
import { composeConfig, docker, freePort, requireDocker } from './support/docker.js'
import { requireTools } from './support/external-tools.js'
import { startTestApp } from './support/harness.js'
import {
  ACME_UNREACHABLE,
  proxyNetworkGateway,
  proxyRequest,
  startTraefikContainer,
  traefikVersion,
  within,
} from './support/traefik.js'

type ComposePort = { target: number; published: string; protocol: string }
type ComposeVolume = { type: string; source: string; target: string; read_only?: boolean }

const portOf = (address: string) => Number(address.slice(address.lastIndexOf(':') + 1))

describe('the shipped docker-compose.yml with a real Traefik', () => {
  it("publishes the ports Berth's default entry points listen on, and serves a page through them with the compose file's command", {
    timeout: 180_000,
  }, async (t) => {
    if (!requireTools(t, [['traefik', ['version']]]) || !(await requireDocker(t))) return
    const { berth, traefik } = composeConfig('docker-compose.yml').services
    const entryPorts = [portOf(DEFAULT_SETTINGS.entry_points.web), portOf(DEFAULT_SETTINGS.entry_points.websecure)]
    const ports = traefik.ports as ComposePort[]
    assert.deepEqual(
      ports.map((p) => p.target).sort((a, b) => a - b),
      entryPorts.sort((a, b) => a - b),
      'the container ports are the entry points of the default settings',
    )
    assert.equal(traefik.image, `traefik:v${traefikVersion()}`, 'the image is the version the tests run')
    // Berth writes into the volume Traefik reads: the same named volume, at BERTH_PROXY_DIR in Berth's image.
    const proxyDirInImage = /BERTH_PROXY_DIR=(\S+)/.exec(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'))?.[1]
    const berthProxy = (berth.volumes as ComposeVolume[]).find((v) => v.target === proxyDirInImage)
    assert.ok(berthProxy, `Berth mounts a volume at BERTH_PROXY_DIR (${proxyDirInImage})`)

    const cleanup: (() => void | Promise<void>)[] = []
    try {
      const workDir = mkdtempSync(join(tmpdir(), 'berth-traefik-compose-'))
      cleanup.push(() => rmSync(workDir, { recursive: true, force: true }))
      const gateway = await proxyNetworkGateway()
      const site = createServer((_req, res) => res.end('through-compose'))
      await new Promise<void>((resolve) => site.listen(0, gateway, resolve))
      cleanup.push(() => void site.close())

      const app = await startTestApp({ BERTH_PROXY_RECONCILE_SECONDS: '3600' })
      cleanup.push(() => app.close())
      const root = await app.token(['root', 'instance'])
      // Default settings, except the ACME e-mail a TLS domain needs.
      assert.equal(
        (await app.call(root, 'PUT', '/api/v1/settings', { letsencrypt_email: 'ops@example.com' })).status,
        200,
      )
      const project = (await app.call(root, 'POST', '/api/v1/projects', { name: 'compose' })).body.uuid
      const target = { url: `http://${gateway}:${(site.address() as AddressInfo).port}` }
      for (const [domain, tls] of [
        ['plain.berth.test', false],
        ['secure.berth.test', true],
      ] as const) {
        const d = await app.call(root, 'POST', `/api/v1/projects/${project}/domains`, { domain, tls })
        assert.equal(d.status, 201, JSON.stringify(d.body))
        const r = await app.call(root, 'POST', `/api/v1/domains/${d.body.id}/routes`, { target })
        assert.equal(r.status, 201, JSON.stringify(r.body))
      }
      await app.app.proxySync.runNow()

      // The compose file's named volumes, as host directories: Berth's proxy directory for the one Berth writes.
      const hostDirs: Record<string, string> = { [berthProxy.source]: app.app.config.proxyDir }
      const mounts = (traefik.volumes as ComposeVolume[]).map((v) => {
        assert.equal(v.type, 'volume', `${v.target} is a named volume`)
        hostDirs[v.source] ??= join(workDir, v.source)
        mkdirSync(hostDirs[v.source]!, { recursive: true })
        return `${hostDirs[v.source]}:${v.target}${v.read_only ? ':ro' : ''}`
      })
      // Published on free loopback ports here; the container side is the compose file's.
      const published = new Map<number, number>()
      for (const p of ports) published.set(p.target, await freePort())
      const container = await startTraefikContainer({
        mounts,
        args: traefik.command as string[],
        logPath: join(workDir, 'traefik.log'),
        publish: [...published].map(([inside, outside]) => `127.0.0.1:${outside}:${inside}`),
        hosts: ['acme-v02.api.letsencrypt.org:127.0.0.1'],
      })
      cleanup.push(() => container.stop())

      const [webPort, websecurePort] = entryPorts.map((p) => published.get(p)!)
      await within(
        15_000,
        'a page through the published web port',
        async () =>
          (await proxyRequest('127.0.0.1', 'plain.berth.test', '/', { port: webPort })).text === 'through-compose',
      )
      const redirect = await proxyRequest('127.0.0.1', 'secure.berth.test', '/x', { port: webPort })
      assert.equal(redirect.status, 301)
      assert.equal(redirect.headers.location, 'https://secure.berth.test/x')
      const tls = await proxyRequest('127.0.0.1', 'secure.berth.test', '/', { port: websecurePort, https: true })
      assert.equal(tls.text, 'through-compose', 'a page through the published websecure port')

      // The compose file's health check, run in the container as Docker would run it.
      const [kind, ...check] = traefik.healthcheck.test as string[]
      assert.equal(kind, 'CMD')
      const health = await docker(['exec', '-e', 'PATH=/usr/local/bin:/bin', container.id, ...check])
      assert.match(health.stdout, /^OK: /, `the health check passes: ${health.stdout}${health.stderr}`)

      assert.deepEqual(container.errorLines([ACME_UNREACHABLE]), [])
    } finally {
      for (const step of cleanup.reverse()) await step()
    }
  })
})
