// Golden files: the exact bytes Berth writes for Traefik, the fast check beside the real one (a
// real Traefik loads what the sync service writes in test/traefik.e2e.test.ts; the schema lint is
// test/traefik-schema-lint.test.ts). Regenerate with UPDATE_GOLDEN=1 after a deliberate change.
import assert from 'node:assert/strict'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { FIXTURE_PROJECT, FIXTURE_SETTINGS } from '../../../test/support/proxy-fixtures.js'
import { DEFAULT_SETTINGS } from '../../settings/settings.types.js'
import {
  buildTraefikDynamic,
  renderSharedMiddlewares,
  renderTraefikDynamic,
  renderTraefikStatic,
} from './traefik.render.js'
import { validateTraefikDynamic } from './traefik.validate.js'

const GOLDEN_DIR = new URL('../../../test/golden/proxy/', import.meta.url)

function golden(name: string, actual: string): void {
  const file = new URL(name, GOLDEN_DIR)
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual)
  // A missing golden file fails: regenerating it here would compare the output with itself.
  assert.ok(existsSync(file), `golden file ${name} is missing; create it deliberately with UPDATE_GOLDEN=1`)
  assert.equal(actual, readFileSync(file, 'utf8'), `${name} differs from its golden file`)
}

const ctx = {
  externalMiddlewares: new Set(['berth-redirect-https']),
  entryPoints: new Set(['web', 'websecure']),
  certResolvers: new Set(['letsencrypt']),
}

describe('Traefik renderers', () => {
  it('renders the static configuration with and without an ACME resolver', () => {
    golden('static-acme.yml', renderTraefikStatic(FIXTURE_SETTINGS))
    golden(
      'static-plain.yml',
      renderTraefikStatic({ ...DEFAULT_SETTINGS, entry_points: { web: ':8080', websecure: ':8443' } }),
    )
  })

  it('renders a project with every middleware type, every TLS mode (none, ACME, internal), path rules, priorities and a health check', () => {
    golden('project-shop.yml', renderTraefikDynamic(FIXTURE_PROJECT, { settings: FIXTURE_SETTINGS })!)
    golden(
      'project-shop-no-redirect.yml',
      renderTraefikDynamic(FIXTURE_PROJECT, { settings: { ...FIXTURE_SETTINGS, http_to_https_redirect: false } })!,
    )
    golden('shared.yml', renderSharedMiddlewares())
  })

  it('produces a document that passes its own validation, with v3 rules and @file references', () => {
    const doc = buildTraefikDynamic(FIXTURE_PROJECT, { settings: FIXTURE_SETTINGS })!
    assert.deepEqual(validateTraefikDynamic('project-shop.yml', doc, ctx), [])
    const text = renderTraefikDynamic(FIXTURE_PROJECT, { settings: FIXTURE_SETTINGS })!
    const rules = new Set(Object.values<any>((parse(text) as any).http.routers).map((r) => r.rule))
    for (const rule of [
      'Host(`app.example.com`) && PathPrefix(`/api`)',
      'HostRegexp(`^[a-z0-9-]+\\.preview\\.example\\.com$`)',
      'Host(`app.example.com`) && Path(`/admin/login`)',
      'Host(`app.example.com`)',
    ]) {
      assert.ok(rules.has(rule), rule)
    }
    assert.doesNotMatch(text, /old\.example\.com|\/off/, 'inactive domains and routes are not rendered')
    const parsed = parse(text) as any
    for (const router of Object.values<any>(parsed.http.routers)) {
      assert.match(router.service, /@file$/)
      for (const m of router.middlewares ?? []) assert.match(m, /@file$/)
    }
  })

  it('is deterministic: the same data renders the same bytes whatever the input order', () => {
    const shuffled = {
      ...FIXTURE_PROJECT,
      middlewares: [...FIXTURE_PROJECT.middlewares].reverse(),
      domains: [...FIXTURE_PROJECT.domains].reverse(),
    }
    assert.equal(
      renderTraefikDynamic(shuffled, { settings: FIXTURE_SETTINGS }),
      renderTraefikDynamic(FIXTURE_PROJECT, { settings: FIXTURE_SETTINGS }),
    )
  })

  it('renders nothing for a project without live routes, so its file is deleted rather than emptied', () => {
    assert.equal(renderTraefikDynamic({ ...FIXTURE_PROJECT, domains: [] }, { settings: FIXTURE_SETTINGS }), null)
  })

  it('qualifies references with @http when served over the HTTP provider', () => {
    const doc = buildTraefikDynamic(FIXTURE_PROJECT, { settings: FIXTURE_SETTINGS, provider: 'http' }) as any
    assert.match(doc.http.routers[Object.keys(doc.http.routers)[0]!].service, /@http$/)
    assert.deepEqual(validateTraefikDynamic('http', doc, ctx, 'http'), [])
  })

  it("serves an internal-TLS domain with Traefik's default certificate: tls {} and no resolver needed", () => {
    const internalOnly = {
      ...FIXTURE_PROJECT,
      domains: FIXTURE_PROJECT.domains.filter((d) => d.tlsMode === 'internal'),
    }
    const settings = { ...FIXTURE_SETTINGS, letsencrypt_email: null }
    const doc = buildTraefikDynamic(internalOnly, { settings }) as any
    const router = doc.http.routers['route-00000000-0000-4000-8000-000000000307']
    assert.deepEqual(router.tls, {})
    assert.deepEqual(router.entryPoints, ['websecure'])
    assert.deepEqual(validateTraefikDynamic('f.yml', doc, { ...ctx, certResolvers: new Set() }), [])
    router.tls = { options: 'modern' }
    const issues = validateTraefikDynamic('f.yml', doc, ctx)
    assert.deepEqual(
      issues.map((i) => `${i.path}: ${i.message}`),
      [
        'http.routers.route-00000000-0000-4000-8000-000000000307.tls: must be {} (the default certificate) or name only a certResolver',
      ],
    )
  })

  it('reports empty maps, unresolvable references and undeclared resolvers', () => {
    const doc = buildTraefikDynamic(FIXTURE_PROJECT, { settings: FIXTURE_SETTINGS }) as any
    const routerName = Object.keys(doc.http.routers).find((n) => doc.http.routers[n].tls)!
    doc.http.routers[routerName].middlewares.push('mw-missing@file')
    doc.http.middlewares['mw-empty'] = { headers: {} }
    const issues = validateTraefikDynamic('f.yml', doc, { ...ctx, certResolvers: new Set() })
    const messages = issues.map((i) => `${i.path}: ${i.message}`).join('\n')
    assert.match(messages, /mw-missing@file/)
    assert.match(messages, /mw-empty.headers: is an empty map/)
    assert.match(messages, /certificate resolver "letsencrypt"/)
  })
})
