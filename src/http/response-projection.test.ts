import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { compileProjection, ProjectionError } from './response-projection.js'

const service = z.object({
  uuid: z.string(),
  name: z.string(),
  version: z.int(),
  description: z.string().nullable(),
  state: z.enum(['running', 'stopped']),
  kind: z.literal('service'),
  tags: z.array(z.string()),
  note: z.string().optional(),
  target: z.union([z.object({ url: z.string() }), z.object({ port: z.number() })]),
})

const valid = {
  uuid: 'a1',
  name: 'web',
  version: 3,
  description: null,
  state: 'running',
  kind: 'service',
  tags: ['x'],
  target: { port: 80 },
}

describe('response projection', () => {
  it('keeps what the schema declares and drops what it does not, at every depth', () => {
    const project = compileProjection(z.object({ items: z.array(service) }))
    const leaked = { ...valid, password_encrypted: 'v1:abc', target: { port: 80, secret: 's' } }
    const out = project({ items: [leaked], total: 1 }, 'body')
    assert.deepEqual(out, { items: [valid] })
  })

  it('writes the same JSON as zod for a valid answer', () => {
    const project = compileProjection(service)
    const answer = { ...valid, note: 'n', extra: 1 }
    assert.equal(JSON.stringify(project(answer, 'body')), JSON.stringify(service.encode(answer as never)))
  })

  it('refuses a value of the wrong type, naming where without the value', () => {
    const project = compileProjection(service)
    const cases: [Record<string, unknown>, string][] = [
      [{ ...valid, name: 42 }, 'body.name is not a string'],
      [{ ...valid, version: 1.5 }, 'body.version is not an integer'],
      [{ ...valid, state: 'hidden-secret-value' }, 'body.state is not one of running, stopped'],
      [{ ...valid, tags: 'x' }, 'body.tags is not an array'],
      [{ ...valid, tags: [1] }, 'body.tags[0] is not a string'],
      [{ ...valid, uuid: undefined }, 'body.uuid is not a string'],
    ]
    for (const [answer, message] of cases) assert.throws(() => project(answer, 'body'), { message })
    assert.throws(() => project({ ...valid, target: { host: 'h' } }, 'body'), ProjectionError)
  })

  it('leaves an optional field out when it is missing and keeps null where null is allowed', () => {
    const project = compileProjection(service)
    const out = project(valid, 'body') as Record<string, unknown>
    assert.equal('note' in out, false)
    assert.equal(out.description, null)
  })

  it('hands a loose object to zod, which keeps its extra keys', () => {
    const project = compileProjection(z.looseObject({ a: z.string() }))
    assert.deepEqual(project({ a: 'x', b: 1 }, 'body'), { a: 'x', b: 1 })
  })
})
