import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { composeProjectName } from '../src/deployments/resources.js'
import { TEST_IMAGE, removeProject, requireDocker } from './support/docker.js'
import { createService, waitForEnd } from './support/deploy-helpers.js'
import { ADMIN_PASSWORD, startTestApp, type TestApp } from './support/harness.js'

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version
const quickCompose = `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: ["sleep", "300"]\n`

describe('API conventions a client can rely on', () => {
  let t: TestApp
  let root: string
  let projectId: string
  const resources: string[] = []

  before(async () => {
    t = await startTestApp()
    root = await t.token(['root'])
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'conventions' })).body.uuid
  })
  after(async () => {
    await t.close()
    for (const id of resources) await removeProject(composeProjectName(id))
  })

  async function jsonPost(url: string, payload: string, bearer = root) {
    const response = await t.server.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      payload,
    })
    return { status: response.statusCode, body: JSON.parse(response.body) }
  }

  it('takes an empty body with Content-Type: application/json as no body', async () => {
    const created = await jsonPost('/api/v1/tokens', JSON.stringify({ name: 'to revoke', abilities: ['read'] }))
    assert.equal(created.status, 201, JSON.stringify(created.body))
    // A route whose body is optional: the empty body is accepted, as curl and generated clients send it.
    const revoked = await t.server.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${created.body.id}`,
      headers: { authorization: `Bearer ${root}`, 'content-type': 'application/json' },
      payload: '',
    })
    assert.equal(revoked.statusCode, 204, revoked.body)
    const missing = await jsonPost('/api/v1/projects', '')
    // A route that needs a body still refuses the missing one with the usual validation error.
    assert.equal(missing.status, 400)
    assert.equal(missing.body.error.code, 'invalid_request')
    assert.doesNotMatch(missing.body.error.message, /Body cannot be empty/)
  })

  it('still refuses a body that is not JSON, with the usual error shape', async () => {
    const res = await jsonPost('/api/v1/projects', '{"name": ')
    assert.equal(res.status, 400)
    assert.equal(res.body.error.code, 'invalid_request')
  })

  it('refuses a NUL character in a body with 400 (PostgreSQL cannot store one), and keeps the text "\\u0000"', async () => {
    const nul = await jsonPost('/api/v1/projects', JSON.stringify({ name: 'a\u0000b' }))
    assert.equal(nul.status, 400)
    assert.equal(nul.body.error.code, 'invalid_request')
    assert.match(nul.body.error.message, /NUL/)
    const text = await jsonPost('/api/v1/projects', JSON.stringify({ name: 'a\\u0000b' }))
    assert.equal(text.status, 201, JSON.stringify(text.body))
  })

  it('queues a deployment from the query string, with POST or, as Coolify takes it, GET with a token', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const serviceId = await createService(t, root, projectId, 'query-deploy', quickCompose)
    resources.push(serviceId)

    const byPost = await jsonPost(`/api/v1/deploy?uuid=${serviceId}&force=true`, '')
    assert.equal(byPost.status, 202, JSON.stringify(byPost.body))
    assert.equal(byPost.body.deployments[0].resource_uuid, serviceId)
    await waitForEnd(t, root, byPost.body.deployments[0].deployment_uuid)

    const byGet = await t.call(root, 'GET', `/api/v1/deploy?uuid=${serviceId}&force=false`)
    assert.equal(byGet.status, 202, JSON.stringify(byGet.body))
    const ended = await waitForEnd(t, root, byGet.body.deployments[0].deployment_uuid)
    assert.equal(ended.status, 'finished')

    const none = await t.call(root, 'POST', '/api/v1/deploy?force=true')
    assert.equal(none.status, 400)
    assert.match(none.body.error.message, /uuid/)
  })

  it('refuses GET /deploy with a session cookie: a GET that deploys takes an API token', async () => {
    const email = `cookie-${Date.now()}@example.com`
    await t.app.users.create({ email, password: ADMIN_PASSWORD, admin: true, teamName: 'Default' }, SYSTEM_ACTOR)
    const login = await t.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: ADMIN_PASSWORD },
    })
    const cookie = String(login.headers['set-cookie']).split(';')[0]!
    const res = await t.server.inject({
      method: 'GET',
      url: '/api/v1/deploy?uuid=00000000-0000-4000-8000-000000000000',
      headers: { cookie },
    })
    assert.equal(res.statusCode, 403, res.body)
    assert.equal(JSON.parse(res.body).error.code, 'token_required')
  })

  it('answers GET /api/v1/version with the version as plain text', async () => {
    const res = await t.server.inject({ method: 'GET', url: '/api/v1/version' })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^text\/plain/)
    assert.equal(res.body, version)
  })
})
