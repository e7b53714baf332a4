import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  formatPath,
  locate,
  MAX_ALIAS_COUNT,
  MAX_COMPOSE_BYTES,
  MAX_ISSUES,
  MAX_NESTING_DEPTH,
  parseYamlSafely,
} from './compose.yaml.js'
import { aliasBomb } from '../../test/support/fuzz.js'

function issuesOf(text: string) {
  const result = parseYamlSafely(text)
  assert.equal(result.ok, false, 'expected the document to be rejected')
  return result.ok ? [] : result.issues
}

function parsedValue(text: string): unknown {
  const result = parseYamlSafely(text)
  assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.issues))
  return result.value
}

/** Ten levels of ten aliases each: about 10^9 strings if expanded. */
describe('parseYamlSafely', () => {
  it('returns the value and a document for a plain Compose file', () => {
    const result = parseYamlSafely('services:\n  web:\n    image: nginx\n')
    assert.ok(result.ok)
    assert.deepEqual(result.value, { services: { web: { image: 'nginx' } } })
    assert.deepEqual(locate(result.document, ['services', 'web', 'image']), { line: 3, column: 5 })
  })

  // How fast: bench/hostile-input.bench.ts (figures live in benchmarks, not in timed tests).
  it('rejects a billion-laughs document before expanding it', () => {
    const issues = issuesOf(aliasBomb(9, 10))
    assert.deepEqual(
      issues.map((issue) => issue.message),
      ['too many alias expansions (possible YAML bomb)'],
    )
  })

  it('rejects a document with more alias nodes than the expansion limit allows', () => {
    const text = `a: &a 1\nb: [${Array(MAX_ALIAS_COUNT + 1)
      .fill('*a')
      .join(', ')}]\n`
    assert.match(issuesOf(text)[0]?.message ?? '', /too many alias expansions/)
  })

  it('accepts anchors and << merge keys as Compose files use them', () => {
    const text =
      'x-logging: &logging\n  driver: json-file\nservices:\n  web:\n    <<: {image: nginx}\n    logging: *logging\n'
    assert.deepEqual(parsedValue(text), {
      'x-logging': { driver: 'json-file' },
      services: { web: { image: 'nginx', logging: { driver: 'json-file' } } },
    })
  })

  it('rejects input of 1 MiB + 1 byte before parsing it', () => {
    const issues = issuesOf(`# ${'x'.repeat(MAX_COMPOSE_BYTES - 1)}`)
    assert.equal(issues.length, 1)
    assert.equal(issues[0]?.path, '')
    assert.match(issues[0]?.message ?? '', /1048577 bytes; the limit is 1048576 bytes/)
  })

  it('counts the limit in UTF-8 bytes, not characters', () => {
    const issues = issuesOf(`# ${'é'.repeat(MAX_COMPOSE_BYTES / 2)}`)
    assert.match(issues[0]?.message ?? '', /the limit is 1048576 bytes/)
  })

  it('accepts a file of exactly 1 MiB', () => {
    assert.equal(parsedValue(`# ${'x'.repeat(MAX_COMPOSE_BYTES - 3)}\n`), null)
  })

  it('rejects an unknown tag and names it', () => {
    const issues = issuesOf('services:\n  web:\n    image: !foo nginx\n')
    assert.deepEqual(
      issues.map(({ path, message, line }) => ({ path, message, line })),
      [{ path: 'services.web.image', message: 'unknown YAML tag !foo', line: 3 }],
    )
  })

  it('rejects YAML 1.1 tags outside the core schema, such as !!binary', () => {
    assert.equal(issuesOf('a: !!binary aGVsbG8=\n')[0]?.message, 'unknown YAML tag !!binary')
  })

  it('rejects a core tag whose value does not fit it', () => {
    assert.equal(issuesOf('a: !!int abc\n')[0]?.message, '"abc" is not a valid !!int')
  })

  it('accepts core tags that fit their values', () => {
    assert.deepEqual(parsedValue('a: !!str 80\nb: !!int "3"\nc: !!map {x: 1}\n'), { a: '80', b: 3, c: { x: 1 } })
  })

  it('accepts !reset and drops the value, as Compose does in a single file', () => {
    const text =
      'services:\n  web:\n    image: nginx\n    ports: !reset []\n    dns:\n      - 1.1.1.1\n      - !reset 8.8.8.8\n'
    assert.deepEqual(parsedValue(text), { services: { web: { image: 'nginx', dns: ['1.1.1.1'] } } })
  })

  it('accepts !override and keeps the value', () => {
    assert.deepEqual(parsedValue('ports: !override ["8080:80"]\n'), { ports: ['8080:80'] })
  })

  it('rejects a duplicate key at the line of the second one', () => {
    assert.deepEqual(issuesOf('services:\n  web:\n    image: a\n    image: b\n'), [
      { path: 'services.web.image', message: 'duplicate key "image"', line: 4, column: 5 },
    ])
  })

  it('treats keys that become the same JS key as duplicates', () => {
    assert.equal(issuesOf('1: a\n"1": b\n')[0]?.message, 'duplicate key "1"')
  })

  it(`returns at most ${MAX_ISSUES} issues however many the file has`, () => {
    assert.equal(issuesOf('k: 1\n'.repeat(MAX_ISSUES * 2)).length, MAX_ISSUES)
  })

  it('rejects a duplicate << merge key, as Compose does', () => {
    assert.equal(issuesOf('x: &x {a: 1}\ny:\n  <<: *x\n  <<: *x\n')[0]?.message, 'duplicate key "<<"')
  })

  it('reports a syntax error with its 1-based line and column', () => {
    const [issue] = issuesOf('services:\n  web:\n    image: nginx\n   ports: [80\n')
    assert.equal(issue?.path, '')
    assert.equal(typeof issue?.message, 'string')
    assert.equal(issue?.line, 4)
    assert.equal(typeof issue?.column, 'number')
  })

  it('reports a key with a nested mapping on one line at that line', () => {
    const [issue] = issuesOf('services:\n  web: image: nginx\n')
    assert.equal(issue?.line, 2)
    assert.equal(issue?.column, 8)
  })

  it('rejects a second YAML document', () => {
    const [issue] = issuesOf('services: {}\n---\nservices: {}\n')
    assert.equal(issue?.message, 'only one YAML document is allowed; remove the second "---" section')
    assert.equal(issue?.line, 2)
  })

  it('rejects an alias whose anchor is missing or is its own container', () => {
    assert.equal(issuesOf('a: *nope\n')[0]?.message, 'alias *nope has no anchor &nope before it')
    assert.equal(issuesOf('a: &a [*a]\n')[0]?.message, 'alias *a refers to a node that contains it')
  })

  it('rejects a << merge of something other than mappings', () => {
    assert.match(issuesOf('x: &x 1\ny:\n  <<: *x\n')[0]?.message ?? '', /merge key needs a mapping/)
  })

  it('rejects lists and mappings used as keys', () => {
    assert.match(issuesOf('? [a, b]\n: 1\n')[0]?.message ?? '', /mapping keys must be plain scalars/)
  })

  it(`rejects nesting deeper than ${MAX_NESTING_DEPTH} levels`, () => {
    const deep = `${'['.repeat(MAX_NESTING_DEPTH + 2)}${']'.repeat(MAX_NESTING_DEPTH + 2)}\n`
    assert.match(issuesOf(deep)[0]?.message ?? '', /nesting is deeper than 64 levels/)
  })

  it('keeps a __proto__ key as data instead of changing the prototype', () => {
    const value = parsedValue('__proto__: {polluted: true}\n') as Record<string, unknown>
    assert.deepEqual(Object.keys(value), ['__proto__'])
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  it('returns null for an empty document', () => {
    assert.equal(parsedValue(''), null)
  })
})

describe('formatPath', () => {
  it('joins keys with dots and indexes with brackets, quoting keys that would be ambiguous', () => {
    assert.equal(formatPath(['services', 'web', 'ports', 0]), 'services.web.ports[0]')
    assert.equal(
      formatPath(['services', 'my.app', 'labels', 'traefik.enable']),
      'services["my.app"].labels["traefik.enable"]',
    )
    assert.equal(formatPath([]), '')
  })
})
