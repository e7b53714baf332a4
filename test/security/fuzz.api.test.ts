import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { InjectOptions } from 'fastify'
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js'
import {
  composeYaml,
  createPrng,
  generate,
  type JsonSchema,
  mutate,
  type Prng,
  rawBody,
  VALID_COMPOSE,
} from '../support/fuzz.js'
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/harness.js'

// BERTH_FUZZ_CASES=50000 for a long run; BERTH_FUZZ_SEED to replay one (the seed is printed).
const CASES = Number(process.env.BERTH_FUZZ_CASES ?? 2000)
const SEED = Number(process.env.BERTH_FUZZ_SEED ?? 20_240_613)
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000'

type Operation = { method: string; path: string; schema: JsonSchema }
type Sent = { method: string; url: string; kind: string; payload: string }

describe('hostile input: fuzzed JSON bodies and compose YAML', () => {
  let t: TestApp
  let root: string
  const ids: Record<string, string> = {}
  const operations: Operation[] = []

  before(async () => {
    t = await startTestApp()
    root = await t.token(['root', 'instance'])
    const project = await t.call(root, 'POST', '/api/v1/projects', { name: 'fuzz' })
    ids.project = project.body.uuid
    const service = await t.call(root, 'POST', `/api/v1/projects/${ids.project}/services`, {
      name: 'fuzzed',
      compose: VALID_COMPOSE,
    })
    assert.equal(service.status, 201, JSON.stringify(service.body))
    ids.service = service.body.uuid
    const domain = await t.call(root, 'POST', `/api/v1/projects/${ids.project}/domains`, {
      domain: 'fuzz.example.com',
      tls: false,
    })
    ids.domain = domain.body.id
    const route = await t.call(root, 'POST', `/api/v1/domains/${ids.domain}/routes`, {
      target: { service: ids.service, compose_service: 'web', port: 80 },
    })
    assert.equal(route.status, 201, JSON.stringify(route.body))
    ids.route = route.body.id
    const middleware = await t.call(root, 'POST', `/api/v1/projects/${ids.project}/middlewares`, {
      name: 'strip',
      type: 'strip-prefix',
      config: { prefixes: ['/api'] },
    })
    ids.middleware = middleware.body.id
    // A second member whose role and account the fuzzer may change, so the caller keeps its own.
    const victim = await t.app.users.create(
      { email: 'victim@example.com', password: ADMIN_PASSWORD, admin: false },
      SYSTEM_ACTOR,
    )
    ids.user = victim.id
    const doc = (await t.call(undefined, 'GET', '/api/v1/openapi.json')).body
    for (const [path, methods] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const schema = op.requestBody?.content?.['application/json']?.schema
        if (schema) operations.push({ method: method.toUpperCase(), path, schema })
      }
    }
  })
  after(() => t.close())

  /** Real ids where the fuzzer should reach the handler; unknown ids where a valid body would run Docker. */
  function urlFor(path: string): string {
    const real: [RegExp, string][] = [
      [/^\/api\/v1\/projects\/\{uuid\}/, ids.project!],
      [/^\/api\/v1\/services\/\{uuid\}/, ids.service!],
      [/^\/api\/v1\/domains\/\{id\}/, ids.domain!],
      [/^\/api\/v1\/routes\/\{id\}/, ids.route!],
      [/^\/api\/v1\/middlewares\/\{id\}/, ids.middleware!],
      [/^\/api\/v1\/(users|team\/members)\/\{uuid\}/, ids.user!],
    ]
    const id = real.find(([pattern]) => pattern.test(path))?.[1] ?? UNKNOWN_ID
    return path
      .replace('{action}', 'start')
      .replace('{token}', 'not-a-real-token-0000')
      .replace(/\{[a-z_]+\}/, id)
  }

  async function send(sent: Sent, payload: Buffer | string, contentType = 'application/json') {
    const response = await t.server.inject({
      method: sent.method as InjectOptions['method'],
      url: sent.url,
      headers: { authorization: `Bearer ${root}`, 'content-type': contentType },
      payload,
    })
    const where = `${sent.kind} ${sent.method} ${sent.url} (seed ${SEED}) body ${sent.payload.slice(0, 300)}`
    const status = response.statusCode
    assert.ok(
      (status >= 200 && status < 300) || (status >= 400 && status < 500),
      `${status} for ${where}: ${response.body.slice(0, 500)}`,
    )
    if (status >= 400) {
      const body = JSON.parse(response.body)
      assert.equal(typeof body.error?.code, 'string', `error shape for ${where}: ${response.body.slice(0, 300)}`)
      assert.equal(typeof body.error?.message, 'string', `error message for ${where}`)
    }
    const live = await t.server.inject({ method: 'GET', url: '/health/live' })
    assert.equal(live.statusCode, 200, `Berth stopped answering after ${where}`)
    return status
  }

  function jsonBody(op: Operation, rng: Prng): { kind: string; payload: Buffer | string } {
    const valid = generate(op.schema, rng)
    const roll = rng.next()
    if (roll < 0.3) return { kind: 'valid', payload: JSON.stringify(valid) }
    if (roll < 0.8) return { kind: 'mutated', payload: JSON.stringify(mutate(valid, rng)) ?? 'null' }
    return { kind: 'raw', payload: rawBody(rng, valid) }
  }

  async function composeBody(rng: Prng): Promise<{ method: string; url: string; payload: string }> {
    const yaml = composeYaml(rng)
    if (rng.chance(0.3)) {
      return {
        method: 'POST',
        url: `/api/v1/projects/${ids.project}/services`,
        payload: JSON.stringify({ name: `fz-${rng.int(1e9)}`, compose: yaml }),
      }
    }
    if (rng.chance(0.05)) {
      // The validate route runs `docker compose config` when the file is valid; kept rarer for time.
      return {
        method: 'POST',
        url: `/api/v1/services/${ids.service}/compose/validate`,
        payload: JSON.stringify({ yaml }),
      }
    }
    const current = await t.call(root, 'GET', `/api/v1/services/${ids.service}/compose`)
    return {
      method: 'PUT',
      url: `/api/v1/services/${ids.service}/compose`,
      payload: JSON.stringify({ yaml, base_version: current.body.version }),
    }
  }

  it(`answers every fuzzed request with a 2xx or a 4xx in the error shape, and keeps answering`, async (ctx) => {
    const rng = createPrng(SEED)
    const statuses = new Map<number, number>()
    const byKind = new Map<string, number>()
    const started = performance.now()
    assert.ok(operations.length >= 30, `found ${operations.length} operations with a JSON body`)
    for (let i = 0; i < CASES; i++) {
      let sent: Sent
      let payload: Buffer | string
      let contentType = 'application/json'
      if (rng.chance(0.3)) {
        const body = await composeBody(rng)
        sent = { ...body, kind: 'compose' }
        payload = body.payload
      } else {
        let op = rng.pick(operations)
        // Password hashing makes these cost ~50 ms each; a quarter of their share covers them.
        if (/login|password|accept/.test(op.path) && rng.chance(0.75)) op = rng.pick(operations)
        const body = jsonBody(op, rng)
        sent = { method: op.method, url: urlFor(op.path), kind: body.kind, payload: body.payload.toString() }
        payload = body.payload
        if (rng.chance(0.03))
          contentType = rng.pick([
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json; charset=latin1',
            '',
          ])
      }
      const status = await send(sent, payload, contentType)
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
      byKind.set(sent.kind, (byKind.get(sent.kind) ?? 0) + 1)
    }
    // No request may have polluted Object.prototype through a "__proto__" or "constructor" key.
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assert.equal(({} as Record<string, unknown>).admin, undefined)
    const seconds = ((performance.now() - started) / 1000).toFixed(1)
    ctx.diagnostic(
      `fuzz: ${CASES} cases over ${operations.length} operations in ${seconds} s (seed ${SEED}); ` +
        `kinds ${JSON.stringify(Object.fromEntries(byKind))}; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
    )
    // The fuzzer must reach handlers, not only the validator.
    assert.ok(
      [...statuses.keys()].some((s) => s >= 200 && s < 300),
      'some fuzzed requests succeeded',
    )
  })
})
