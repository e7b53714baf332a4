import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  findParameterReferences,
  PARAMETER_NAME_PATTERN,
  parseParameterValue,
  renderComposeTemplate,
  type Parameter,
} from './compose.params.js'

function render(template: string, params: Parameter[]): string {
  const result = renderComposeTemplate(template, params)
  assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.issues))
  return result.text
}

describe('PARAMETER_NAME_PATTERN', () => {
  it('accepts lowercase snake_case names up to 63 characters', () => {
    for (const name of ['a', 'letsencrypt_email', 'db2', `a${'b'.repeat(62)}`])
      assert.ok(PARAMETER_NAME_PATTERN.test(name), name)
    for (const name of ['', '_a', '2a', 'A', 'a-b', 'a.b', `a${'b'.repeat(63)}`])
      assert.ok(!PARAMETER_NAME_PATTERN.test(name), name)
  })
})

describe('parseParameterValue', () => {
  it('accepts each type only with a value of that type', () => {
    assert.deepEqual(parseParameterValue('string', 'ops@example.com'), { ok: true, value: 'ops@example.com' })
    assert.deepEqual(parseParameterValue('integer', 8080), { ok: true, value: 8080 })
    assert.deepEqual(parseParameterValue('boolean', false), { ok: true, value: false })
    assert.deepEqual(parseParameterValue('json', { hosts: ['a', 'b'], port: 1 }), {
      ok: true,
      value: { hosts: ['a', 'b'], port: 1 },
    })
    assert.deepEqual(parseParameterValue('json', null), { ok: true, value: null })
    assert.equal(parseParameterValue('string', 3).ok, false)
    assert.equal(parseParameterValue('integer', '80').ok, false)
    assert.equal(parseParameterValue('boolean', 'true').ok, false)
  })

  it('rejects integers that are fractional or beyond the safe range', () => {
    assert.equal(parseParameterValue('integer', 1.5).ok, false)
    assert.equal(parseParameterValue('integer', 2 ** 53).ok, false)
    assert.equal(parseParameterValue('integer', Number.NaN).ok, false)
  })

  it('rejects a string with a line break, which would shift lines and could inject keys', () => {
    const result = parseParameterValue('string', 'a\n  privileged: true')
    assert.deepEqual(result, { ok: false, message: 'a string parameter must be a single line' })
  })

  it('rejects JSON that JSON cannot represent', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    for (const value of [
      undefined,
      Number.POSITIVE_INFINITY,
      [1, Number.NaN],
      new Date(0),
      cyclic,
      { f: () => 1 },
      1n,
    ]) {
      assert.equal(parseParameterValue('json', value).ok, false, String(value))
    }
  })

  it('does not echo the rejected value in its message', () => {
    const result = parseParameterValue('integer', 'hunter2')
    assert.ok(!result.ok)
    assert.doesNotMatch(result.message, /hunter2/)
  })
})

describe('findParameterReferences', () => {
  it('lists each well-formed placeholder with its 1-based line, in order', () => {
    const template = 'a: {{berth.x}}\nb: {{ berth.y_2 }} {{berth.x}}\n\nc: {{ berth.Bad }} {{ normalize .Name }} ${X}\n'
    assert.deepEqual(findParameterReferences(template), [
      { name: 'x', line: 1 },
      { name: 'y_2', line: 2 },
      { name: 'x', line: 2 },
    ])
  })

  it('counts lines in files with CRLF line endings', () => {
    assert.deepEqual(findParameterReferences('a: 1\r\nb: {{berth.b}}\r\n'), [{ name: 'b', line: 2 }])
  })
})

describe('renderComposeTemplate', () => {
  it('renders each type as YAML text: strings as they are, integers and booleans as written, JSON on one line', () => {
    const params: Parameter[] = [
      { name: 'letsencrypt_email', type: 'string', value: 'ops@example.com' },
      { name: 'port', type: 'integer', value: 8080 },
      { name: 'debug', type: 'boolean', value: true },
      { name: 'hosts', type: 'json', value: ['a.example.com', 'b\nc'] },
    ]
    const template = [
      'email: {{ berth.letsencrypt_email }}',
      'port: {{berth.port}}',
      'debug: {{  berth.debug\t}}',
      'hosts: {{berth.hosts}}',
      'again: "{{berth.port}}"',
    ].join('\n')
    assert.equal(
      render(template, params),
      'email: ops@example.com\nport: 8080\ndebug: true\nhosts: ["a.example.com","b\\nc"]\nagain: "8080"',
    )
  })

  it('leaves Compose interpolation and Go templates untouched', () => {
    const template = [
      'rule: Host(`{{ normalize .Name }}.example.com`)',
      'env: ${DOMAIN} $HOME $${LITERAL} ${PORT:-80}',
      'tmpl: {{.Name}} {{ berth }} {{ .berth.x }}',
    ].join('\n')
    assert.equal(render(template, []), template)
  })

  it('keeps the line count of the template', () => {
    const template = 'a: {{berth.j}}\nb: {{berth.s}}\nc: 1\n'
    const text = render(template, [
      { name: 'j', type: 'json', value: { nested: { deep: ['x', 'y'] } } },
      { name: 's', type: 'string', value: 'plain' },
    ])
    assert.equal(text.split('\n').length, template.split('\n').length)
  })

  it('does not expand placeholders found inside substituted values', () => {
    assert.equal(render('a: {{berth.a}}\n', [{ name: 'a', type: 'string', value: '{{berth.b}}' }]), 'a: {{berth.b}}\n')
  })

  it('reports an unknown parameter with its name and line', () => {
    const result = renderComposeTemplate('services:\n  web:\n    image: {{ berth.foo }}\n', [])
    assert.deepEqual(result, { ok: false, issues: [{ path: '', message: 'unknown parameter "foo"', line: 3 }] })
  })

  it('reports a malformed parameter name instead of leaving the placeholder in the file', () => {
    const result = renderComposeTemplate('a: {{ berth.Email }}\n', [{ name: 'email', type: 'string', value: 'x' }])
    assert.ok(!result.ok)
    assert.match(result.issues[0]?.message ?? '', /^invalid parameter name "Email"/)
  })

  it('reports, once, a parameter whose stored value does not fit its type', () => {
    const result = renderComposeTemplate('a: {{berth.n}}\nb: {{berth.n}}\n', [
      { name: 'n', type: 'integer', value: 'x' },
    ])
    assert.ok(!result.ok)
    assert.equal(result.issues.length, 1)
    assert.match(result.issues[0]?.message ?? '', /^parameter "n": expected a whole number/)
    assert.equal(result.issues[0]?.line, 1)
  })

  it('reports a parameter defined twice', () => {
    const param: Parameter = { name: 'a', type: 'string', value: 'x' }
    const result = renderComposeTemplate('a: 1\n', [param, param])
    assert.deepEqual(result, { ok: false, issues: [{ path: '', message: 'parameter "a" is defined more than once' }] })
  })

  it('gives the same text for the same input', () => {
    const params: Parameter[] = [{ name: 'cfg', type: 'json', value: { b: 1, a: [true, null] } }]
    assert.equal(render('x: {{berth.cfg}}', params), render('x: {{berth.cfg}}', params))
  })
})
