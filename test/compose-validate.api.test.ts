import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { requireDocker } from './support/docker.js'
import { SAMPLE_COMPOSE, startTestApp, type TestApp } from './support/harness.js'

describe('POST /services/{uuid}/compose/validate (with the real Compose CLI)', () => {
  let t: TestApp
  let root: string
  let serviceId: string
  before(async () => {
    t = await startTestApp()
    root = await t.token(['root'])
    const project = await t.call(root, 'POST', '/api/v1/projects', { name: 'validate' })
    serviceId = (
      await t.call(root, 'POST', `/api/v1/projects/${project.body.uuid}/services`, {
        name: 'web',
        compose: SAMPLE_COMPOSE,
      })
    ).body.uuid
  })
  after(() => t.close())

  it('accepts the current file after docker compose config checked it', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const res = await t.call(root, 'POST', `/api/v1/services/${serviceId}/compose/validate`, {})
    assert.equal(res.status, 200)
    assert.equal(res.body.valid, true)
    assert.equal(res.body.compose_cli.ran, true)
    assert.equal(res.body.compose_cli.ok, true)
  })

  it('reports what only Compose catches, and never shows a secret it echoes', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const secret = 'lots-of-hidden-bytes-7731'
    await t.call(root, 'PUT', `/api/v1/services/${serviceId}/env`, { MEM: { value: secret, secret: true } })
    const proposed = SAMPLE_COMPOSE.replace(
      '    labels:',
      '    mem_limit: ${MEM}\n    healthcheck:\n      test: ["CMD", "true"]\n      interval: soon\n    labels:',
    )
    const res = await t.call(root, 'POST', `/api/v1/services/${serviceId}/compose/validate`, { yaml: proposed })
    assert.equal(res.status, 200)
    assert.equal(res.body.valid, false)
    assert.equal(res.body.compose_cli.ran, true)
    assert.match(res.body.compose_cli.output, /invalid (duration|size)/)
    assert.ok(!JSON.stringify(res.body).includes(secret), 'the secret value is redacted from Compose output')
    assert.equal(
      (await t.call(root, 'GET', `/api/v1/services/${serviceId}/compose`)).body.version,
      1,
      'validation stores nothing',
    )
  })

  it('returns structural issues without calling Compose', async () => {
    const res = await t.call(root, 'POST', `/api/v1/services/${serviceId}/compose/validate`, {
      yaml: 'services:\n  web:\n    ports: ["80:abc"]\n',
    })
    assert.equal(res.body.valid, false)
    assert.equal(res.body.compose_cli.ran, false)
    assert.ok(res.body.issues.some((i: { path: string }) => i.path === 'services.web.ports[0]'))
  })
})
