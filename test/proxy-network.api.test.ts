import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { composeServicesToAttach, PROXY_NETWORK, upstreamAlias } from '../src/proxy/network.js'
import { startTestApp, type TestApp } from './support/harness.js'

const COMPOSE = `services:
  web:
    image: berth-test/busybox:1
  admin:
    image: berth-test/busybox:1
  worker:
    image: berth-test/busybox:1
`

describe('network hook for deployments', () => {
  let t: TestApp
  let root: string
  let serviceId: string
  let domainId: string

  before(async () => {
    t = await startTestApp()
    root = await t.token(['root'])
    const project = (await t.call(root, 'POST', '/api/v1/projects', { name: 'net' })).body.uuid
    serviceId = (await t.call(root, 'POST', `/api/v1/projects/${project}/services`, { name: 'app', compose: COMPOSE }))
      .body.uuid
    domainId = (
      await t.call(root, 'POST', `/api/v1/projects/${project}/domains`, { domain: 'net.example.com', tls: false })
    ).body.id
  })
  after(() => t.close())

  it('names the compose services that active routes target, once each, sorted', async () => {
    assert.deepEqual(await composeServicesToAttach(t.app.db, serviceId), [])
    for (const [compose_service, path, active] of [
      ['web', '/', true],
      ['web', '/b', true],
      ['admin', '/admin', true],
      ['worker', '/w', false],
    ] as const) {
      const res = await t.call(root, 'POST', `/api/v1/domains/${domainId}/routes`, {
        target: { service: serviceId, compose_service, port: 80 },
        path,
        active,
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
    }
    assert.deepEqual(await composeServicesToAttach(t.app.db, serviceId), ['admin', 'web'])
    await t.call(root, 'PATCH', `/api/v1/domains/${domainId}`, { active: false })
    assert.deepEqual(await composeServicesToAttach(t.app.db, serviceId), [], 'an inactive domain routes nothing')
  })

  it('exports the shared network name and the alias the proxy dials', () => {
    assert.equal(PROXY_NETWORK, 'berth')
    assert.equal(upstreamAlias(serviceId, 'web'), `web.${serviceId}`)
  })
})
