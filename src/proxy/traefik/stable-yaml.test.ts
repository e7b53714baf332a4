import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { FIXTURE_PROJECT, FIXTURE_SETTINGS } from '../../../test/support/proxy-fixtures.js'
import { stableYaml } from './stable-yaml.js'
import { buildTraefikDynamic, buildTraefikStatic } from './traefik.render.js'

describe('stableYaml', () => {
  it('round-trips what the renderers produce', () => {
    for (const doc of [
      buildTraefikDynamic(FIXTURE_PROJECT, { settings: FIXTURE_SETTINGS }),
      buildTraefikStatic(FIXTURE_SETTINGS),
    ]) {
      assert.deepEqual(parse(stableYaml(doc)), doc)
    }
  })

  it('quotes every string YAML would read as something else', () => {
    const tricky = [
      'yes',
      'No',
      'on',
      'null',
      '~',
      '123',
      '1.5',
      '-1',
      ':80',
      'a: b',
      '#x',
      '- x',
      '$2y$10$abc',
      'Host(`a.b`) && PathPrefix(`/x`)',
      "it's",
      'a"b',
      'line\nbreak',
      '',
      ' x',
      '*.example.com',
      '&anchor',
      '!tag',
      '@at',
      '%p',
      '{a}',
      '[a]',
    ]
    const doc = {
      list: tricky,
      map: Object.fromEntries(tricky.filter(Boolean).map((k, i) => [k, i])),
      nested: [{ a: 1, b: [true, false] }, [1, 2]],
    }
    assert.deepEqual(parse(stableYaml(doc)), doc)
  })

  it('sorts keys, so insertion order does not matter', () => {
    assert.equal(stableYaml({ b: 1, a: { d: 2, c: 3 } }), stableYaml({ a: { c: 3, d: 2 }, b: 1 }))
  })
})
