import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { App } from '../src/app.js'
import { ConflictError } from '../src/errors.js'
import { createHttpServer } from '../src/http/server.js'
import { startTestApp, type TestApp } from './support/harness.js'

// Every route declares its response schemas; the harness runs the server with strictResponses, so a
// route whose answer its schema does not describe exactly fails whichever test called it.
describe('declared response schemas', () => {
  let t: TestApp
  let root: string
  let settings: App['settings']
  before(async () => {
    t = await startTestApp()
    root = await t.token(['root'])
    settings = t.app.settings
  })
  after(async () => {
    t.app.settings = settings
    await t.close()
  })

  /** Makes GET /api/v1/settings answer what the real service answers, changed by `change`. */
  function answerSettings(change: (real: Record<string, unknown>) => Record<string, unknown>) {
    t.app.settings = { ...settings, get: async () => change(await settings.get()) as never }
  }

  it('fails the calling test when a route answers a key its schema does not declare', async () => {
    answerSettings((real) => ({ ...real, surprise: 'a new field the schema forgot' }))
    await assert.rejects(
      t.call(root, 'GET', '/api/v1/settings'),
      /GET \/api\/v1\/settings \(200 application\/json\): body\.surprise is not declared by the response schema/,
    )
  })

  it('fails it when a value has the wrong type', async () => {
    answerSettings((real) => ({ ...real, http_to_https_redirect: 'yes' }))
    await assert.rejects(t.call(root, 'GET', '/api/v1/settings'), /answered a body its response schema refuses/)
  })

  it('fails it when the status is not declared', async () => {
    t.app.settings = {
      ...settings,
      get: async () => {
        throw new ConflictError('surprise', 'A status GET /settings does not declare.')
      },
    }
    await assert.rejects(t.call(root, 'GET', '/api/v1/settings'), /answered 409, a status its response schema/)
  })

  it('answers as declared once the route is right again', async () => {
    t.app.settings = settings
    const res = await t.call(root, 'GET', '/api/v1/settings')
    assert.equal(res.status, 200)
    assert.equal(res.body.proxy, 'traefik')
  })

  it('without strictResponses (production), drops the undeclared key instead', async () => {
    answerSettings((real) => ({ ...real, surprise: 'never sent' }))
    const server = await createHttpServer(t.app)
    try {
      const res = await server.inject({ url: '/api/v1/settings', headers: { authorization: `Bearer ${root}` } })
      assert.equal(res.statusCode, 200)
      assert.equal(res.json().proxy, 'traefik')
      assert.equal('surprise' in res.json(), false)
    } finally {
      t.app.settings = settings
      await server.close()
    }
  })
})
