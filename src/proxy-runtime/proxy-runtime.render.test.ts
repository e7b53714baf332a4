import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { DEFAULT_SETTINGS, type Settings } from '../settings/settings.types.js'
import { renderProxyCompose } from './proxy-runtime.render.js'

const settings: Settings = { ...DEFAULT_SETTINGS, entry_points: { ...DEFAULT_SETTINGS.entry_points } }
type Doc = { services: { proxy: Record<string, unknown> }; networks: Record<string, unknown>; configs?: unknown }

function render(kind: 'traefik' | 'caddy', s: Settings = settings, binaryPath: string | null = null): Doc {
  return parse(
    renderProxyCompose(
      { kind, image: kind === 'traefik' ? 'traefik:v3.7.15' : 'caddy:2', binaryPath, extraMounts: ['/lib/libc.so.6'] },
      { proxyDir: '/srv/berth/proxy', network: 'berth', settings: s },
    ),
  ) as Doc
}

describe('renderProxyCompose', () => {
  it("publishes the ports of the settings' entry points, the same number on both sides", () => {
    assert.deepEqual(render('traefik').services.proxy.ports, ['80:80', '443:443'])
    const custom = { ...settings, entry_points: { web: '0.0.0.0:8000', websecure: '[::]:8443' } }
    assert.deepEqual(render('traefik', custom).services.proxy.ports, ['8000:8000', '8443:8443'])
    const caddy = { ...settings, caddy_http_listen: ':81', caddy_https_listen: ':444' }
    assert.deepEqual(render('caddy', caddy).services.proxy.ports, ['81:81', '444:444'])
  })

  it("mounts Berth's proxy directory read-only where the static file expects it, on the external berth network", () => {
    const doc = render('traefik', settings, '/usr/lib/traefik')
    const proxy = doc.services.proxy
    assert.deepEqual(proxy.command, ['/usr/local/bin/traefik', '--configFile=/etc/traefik/static/traefik.yml'])
    assert.ok((proxy.volumes as string[]).includes('/srv/berth/proxy:/etc/traefik:ro'))
    assert.ok((proxy.volumes as string[]).includes('/usr/lib/traefik:/usr/local/bin/traefik:ro'))
    assert.ok((proxy.volumes as string[]).includes('/lib/libc.so.6:/lib/libc.so.6:ro'))
    assert.deepEqual(doc.networks, { berth: { external: true } })
    assert.equal(proxy.restart, 'unless-stopped')
  })

  it('starts Caddy with only its admin API open on the container, from a config the compose file carries', () => {
    const doc = render('caddy')
    assert.deepEqual(doc.services.proxy.command, ['/usr/bin/caddy', 'run', '--config', '/etc/caddy/boot.json'])
    assert.deepEqual(doc.configs, { 'caddy-boot': { content: '{"admin":{"listen":"0.0.0.0:2019"}}' } })
    // Its admin API moves to a network of its own: every team's routed containers are on berth.
    assert.deepEqual(doc.networks, { berth: { external: true }, admin: {} })
    assert.deepEqual(Object.keys(doc.services.proxy.networks as object), ['berth', 'admin'])
  })

  it('is deterministic', () => {
    assert.deepEqual(render('traefik'), render('traefik'))
  })
})
