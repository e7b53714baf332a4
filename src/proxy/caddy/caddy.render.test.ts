// Golden file: the exact configuration Berth loads into Caddy for a project, beside the Traefik
// ones. test/caddy.e2e.test.ts runs such a configuration in a real Caddy. Regenerate with
// UPDATE_GOLDEN=1 after a deliberate change.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { requireTools } from '../../../test/support/external-tools.js'
import { FIXTURE_PROJECT, FIXTURE_SETTINGS } from '../../../test/support/proxy-fixtures.js'
import { buildCaddyConfig, stableJson } from './caddy.render.js'
import type { ProjectRouting } from '../proxy.model.js'

const GOLDEN = new URL('../../../test/golden/proxy/caddy-shop.json', import.meta.url)
// Caddy has no equivalent for these in Berth (rate-limit, redirect-regex, compress excludedContentTypes).
const NOT_IN_CADDY = new Set(['limit', 'www', 'gzip'])
const unsupported = new Set(FIXTURE_PROJECT.middlewares.filter((m) => NOT_IN_CADDY.has(m.name)).map((m) => m.id))

/** The fixture project without the middlewares Caddy cannot express. */
const CADDY_PROJECT: ProjectRouting = {
  ...FIXTURE_PROJECT,
  middlewares: FIXTURE_PROJECT.middlewares.filter((m) => !unsupported.has(m.id)),
  domains: FIXTURE_PROJECT.domains.map((d) => ({
    ...d,
    routes: d.routes.map((r) => ({ ...r, middlewareIds: r.middlewareIds.filter((id) => !unsupported.has(id)) })),
  })),
}

const settings = { ...FIXTURE_SETTINGS, proxy: 'caddy' as const }

describe('Caddy renderer', () => {
  it('renders a project with every TLS mode (none, ACME, internal), path rules, priorities, middlewares and a health check', () => {
    const { config, issues } = buildCaddyConfig([CADDY_PROJECT], settings)
    assert.deepEqual(issues, [])
    const actual = stableJson(config)
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, actual)
    // A missing golden file fails: regenerating it here would compare the output with itself.
    assert.ok(existsSync(GOLDEN), 'golden file caddy-shop.json is missing; create it deliberately with UPDATE_GOLDEN=1')
    assert.equal(actual, readFileSync(GOLDEN, 'utf8'), 'caddy-shop.json differs from its golden file')
  })

  it('is a configuration Caddy itself accepts (caddy validate)', (t) => {
    if (!requireTools(t, [['caddy', ['version']]])) return
    const home = mkdtempSync(join(tmpdir(), 'berth-caddy-validate-'))
    try {
      const env = { ...process.env, HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home }
      const output = execFileSync('caddy', ['validate', '--config', GOLDEN.pathname], {
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      })
      assert.match(output, /Valid configuration/)
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })

  it("gives internal-TLS hosts Caddy's own CA, without an ACME e-mail and without touching a trust store", () => {
    const internalOnly = { ...CADDY_PROJECT, domains: CADDY_PROJECT.domains.filter((d) => d.tlsMode === 'internal') }
    const { config } = buildCaddyConfig([internalOnly], { ...settings, letsencrypt_email: null }) as any
    assert.deepEqual(config.apps.tls.automation.policies, [
      { subjects: ['intranet.shop.internal'], issuers: [{ module: 'internal' }] },
    ])
    assert.equal(config.apps.pki.certificate_authorities.local.install_trust, false)
    assert.deepEqual(config.apps.http.servers.berth_https.routes[0].match, [{ host: ['intranet.shop.internal'] }])
    const plain = buildCaddyConfig([{ ...internalOnly, domains: [] }], { ...settings, letsencrypt_email: null }) as any
    assert.equal(plain.config.apps.tls, undefined, 'no TLS app without a host that needs one')
    assert.equal(plain.config.apps.pki, undefined)
  })

  it('reports each middleware Caddy cannot express, by route and name', () => {
    const { issues } = buildCaddyConfig([FIXTURE_PROJECT], settings)
    const names = issues.map((i) => i.path.split('.').pop()).sort()
    assert.deepEqual(names, ['gzip', 'limit', 'www'])
  })
})
