import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { loadTemplateCatalog } from './templates.catalog.js'

const root = mkdtempSync(join(tmpdir(), 'berth-template-loader-'))
after(() => rmSync(root, { recursive: true, force: true }))

const manifest = {
  id: 'demo',
  name: 'Demo',
  description: 'A demo',
  category: 'web',
  tags: [],
  logo: 'https://example.com/logo.svg',
  docs: 'https://example.com/docs',
  version: '1.0.0',
  parameters: [{ name: 'tag', type: 'string', default: '1.2.3', description: 'Image tag' }],
  secrets: [{ env: 'DB_PASSWORD', description: 'db', generate: { kind: 'password', length: 24 } }],
  route: { service: 'web', port: 80 },
  health: { services: [], timeout_seconds: 60 },
}
const compose =
  'services:\n  web:\n    image: demo:{{berth.tag}}\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD}\n'

let n = 0
function catalogWith(m: Record<string, unknown>, yaml: string) {
  const dir = join(root, `case-${n++}`)
  mkdirSync(join(dir, String(m.id)), { recursive: true })
  writeFileSync(join(dir, String(m.id), 'template.json'), JSON.stringify(m))
  writeFileSync(join(dir, String(m.id), 'compose.yaml'), yaml)
  return () => loadTemplateCatalog([dir])
}

describe('loading templates', () => {
  it('loads a valid template', () => {
    const template = catalogWith(manifest, compose)().get('demo')
    assert.equal(template?.name, 'Demo')
    assert.equal(template?.compose, compose)
  })

  const broken: [string, Record<string, unknown>, string, RegExp][] = [
    [
      'a manifest field of the wrong form',
      { ...manifest, version: 'one' },
      compose,
      /template\.json: version: a version like/,
    ],
    [
      'an undeclared parameter',
      manifest,
      compose.replace('berth.tag', 'berth.tga'),
      /compose\.yaml: uses \{\{berth\.tga\}\}/,
    ],
    ['an undeclared secret', manifest, compose.replace('${DB_PASSWORD}', '${DB_PASS}'), /reads \$\{DB_PASS\}/],
    [
      'a plain-text password',
      { ...manifest, secrets: [] },
      compose.replace('${DB_PASSWORD}', 'hunter2'),
      /sets DB_PASSWORD in plain text/,
    ],
    [
      'an unpinned image',
      { ...manifest, parameters: [] },
      compose.replace('demo:{{berth.tag}}', 'demo:latest'),
      /must pin its image/,
    ],
    [
      'a route to a missing service',
      { ...manifest, route: { service: 'app', port: 80 } },
      compose,
      /route names the service "app"/,
    ],
    [
      'a further route to a missing service',
      { ...manifest, more_routes: [{ subdomain: 'admin', service: 'admin', port: 8080 }] },
      compose,
      /route on admin\. names the service "admin"/,
    ],
    [
      'a further route without a main one',
      { ...manifest, route: null, more_routes: [{ subdomain: 'admin', service: 'web', port: 8080 }] },
      compose,
      /more_routes needs a main route/,
    ],
    [
      'a further route on a sub-domain that is no DNS label',
      { ...manifest, more_routes: [{ subdomain: 'Admin_UI', service: 'web', port: 8080 }] },
      compose,
      /more_routes\.0\.subdomain: a DNS label/,
    ],
    [
      'a health check that is not there',
      { ...manifest, health: { services: ['web'], timeout_seconds: 60 } },
      compose,
      /"web" to be healthy/,
    ],
    ['a compose error', manifest, `${compose}    ports: ["nope"]\n`, /compose\.yaml: services\.web\.ports/],
  ]
  for (const [what, m, yaml, message] of broken) {
    it(`refuses ${what}, naming the file`, () => {
      assert.throws(catalogWith(m, yaml), (error: Error) => {
        assert.match(error.message, message)
        assert.match(error.message, /case-\d+\/demo\//)
        return true
      })
    })
  }
})
