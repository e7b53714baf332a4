import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ROUTES } from '../web/src/api/routes.js'
import { startTestApp, type TestApp } from './support/harness.js'

// The web UI's API client names each route it calls; a route renamed or removed on the server
// must fail here, not in a user's browser.
describe('web UI API client', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp()
  })
  after(async () => t.close())

  it('calls only operations the OpenAPI document describes', async () => {
    const doc = (await t.call(undefined, 'GET', '/api/v1/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>
    }
    const missing = Object.entries(ROUTES)
      .filter(([, [method, path]]) => doc.paths[path]?.[method.toLowerCase()] === undefined)
      .map(([name, [method, path]]) => `${name}: ${method} ${path}`)
    assert.deepEqual(missing, [])
  })

  it('tells the login page whether a first user must be created', async () => {
    assert.deepEqual((await t.call(undefined, 'GET', '/api/v1/auth/status')).body, { setup_required: true })
    await t.token(['read'])
    assert.deepEqual((await t.call(undefined, 'GET', '/api/v1/auth/status')).body, { setup_required: false })
  })
})
