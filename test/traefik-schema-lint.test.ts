// Every Traefik file Berth can generate, checked against Traefik v3's JSON schemas: the golden
// files, and the files a real sync writes from API-created data (in proxy-sync.api.test.ts).
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { buildTraefikDynamic } from '../src/proxy/traefik/traefik.render.js'
import { FIXTURE_PROJECT, FIXTURE_SETTINGS } from './support/proxy-fixtures.js'
import { traefikDynamicSchemaErrors, traefikSchemaErrors } from './support/traefik-schema.js'

const GOLDEN = new URL('./golden/proxy/', import.meta.url)

describe('Traefik schema lint', () => {
  for (const name of readdirSync(GOLDEN)
    .filter((n) => n.endsWith('.yml'))
    .sort()) {
    it(`golden ${name} is valid against the Traefik v3 ${name.startsWith('static') ? 'static' : 'file provider'} schema`, () => {
      const path = name.startsWith('static') ? `static/${name}` : `dynamic/${name}`
      assert.deepEqual(traefikSchemaErrors(path, readFileSync(new URL(name, GOLDEN), 'utf8')), [])
    })
  }

  it('the document served over the HTTP provider is valid too', () => {
    assert.deepEqual(
      traefikDynamicSchemaErrors(
        buildTraefikDynamic(FIXTURE_PROJECT, { settings: FIXTURE_SETTINGS, provider: 'http' }),
      ),
      [],
    )
  })

  it('the lint is not vacuous: a misspelt key fails it', () => {
    assert.notDeepEqual(
      traefikDynamicSchemaErrors({ http: { routers: { a: { rule: 'Host(`a`)', service: 's', priorty: 1 } } } }),
      [],
    )
  })
})
