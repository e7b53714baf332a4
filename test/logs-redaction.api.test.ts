import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { ADMIN_PASSWORD, SAMPLE_COMPOSE, startTestApp, type TestApp } from './support/harness.js'

describe('structured logs', () => {
  let t: TestApp
  const lines: string[] = []
  before(async () => {
    const sink = new PassThrough()
    sink.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)))
    t = await startTestApp({ LOG_LEVEL: 'trace' }, { logDestination: sink })
  })
  after(() => t.close())

  it('never carry a token, a password, a session cookie or a secret value, even at trace level', async () => {
    const root = await t.token(['root'])
    const secret = 'env-secret-value-5521'
    const project = await t.call(root, 'POST', '/api/v1/projects', { name: 'logged' })
    const service = await t.call(root, 'POST', `/api/v1/projects/${project.body.uuid}/services`, {
      name: 'web',
      compose: SAMPLE_COMPOSE,
    })
    await t.call(root, 'PUT', `/api/v1/services/${service.body.uuid}/env`, { KEY: { value: secret, secret: true } })
    await t.call(root, 'GET', `/api/v1/services/${service.body.uuid}/env`)
    const users = await t.app.db.selectFrom('users').select('email').execute()
    const login = await t.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: users[0]!.email, password: ADMIN_PASSWORD },
    })
    const cookie = String(login.headers['set-cookie']).split(';')[0]!
    await t.server.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } })
    await t.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: users[0]!.email, password: 'Wrong-But-Private-Pass' },
    })

    await new Promise((resolve) => setImmediate(resolve))
    // One line per request at its end (at trace level the successful reads too): 7 requests.
    assert.equal(lines.filter((line) => line.includes('"request completed"')).length, 7, 'every request was logged')
    const all = lines.join('\n')
    for (const forbidden of [root, secret, ADMIN_PASSWORD, 'Wrong-But-Private-Pass', cookie.split('=')[1]!]) {
      assert.ok(!all.includes(forbidden), `a log line contains ${forbidden.slice(0, 6)}...`)
    }
  })
})
