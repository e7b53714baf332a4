// The proxy-runtime routes' refusals and bookkeeping, without a running proxy: a server whose
// engine cannot be reached, so every queued deployment fails at once and nothing starts.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestApp, type TestApp } from './support/harness.js'

const NOWHERE = 'unix:///tmp/berth-no-engine-here.sock'

describe('proxy run by Berth: API', () => {
  let t: TestApp
  let root: string
  let serverId: string

  before(async () => {
    t = await startTestApp()
    root = await t.token(['root', 'instance'])
    const server = await t.call(root, 'POST', '/api/v1/servers', { name: 'nowhere', docker_host: NOWHERE })
    assert.equal(server.status, 201, JSON.stringify(server.body))
    serverId = server.body.uuid
  })
  after(() => t.close())

  const proxyUrl = (suffix = '') => `/api/v1/servers/${serverId}/proxy${suffix}`

  it('reports a server without a proxy as not configured and refuses stop and restart with 409', async () => {
    const status = await t.call(root, 'GET', proxyUrl())
    assert.equal(status.status, 200)
    assert.equal(status.body.state, 'not_configured')
    assert.equal(status.body.proxy, null)
    for (const action of ['stop', 'restart']) {
      const res = await t.call(root, 'POST', proxyUrl(`/${action}`))
      assert.equal(res.status, 409)
      assert.equal(res.body.error.code, 'proxy_not_configured')
      assert.match(res.body.error.message, new RegExp(serverId))
    }
    assert.equal((await t.call(root, 'GET', proxyUrl('/versions'))).body.error.code, 'proxy_not_configured')
  })

  it('refuses bad input with 400, a code and a sentence', async () => {
    const cases: [unknown, string][] = [
      [{ image: '--privileged' }, 'invalid_image'],
      [{ binary_path: 'bin/traefik' }, 'invalid_host_path'],
      [{ binary_path: '/usr/bin/../bin/traefik' }, 'invalid_host_path'],
      [{ extra_mounts: ['/lib/a:/etc/shadow'] }, 'invalid_host_path'],
      [{ kind: 'nginx' }, 'invalid_request'],
      [{ unknown: 1 }, 'invalid_request'],
    ]
    for (const [body, code] of cases) {
      const res = await t.call(root, 'PUT', proxyUrl(), body)
      assert.equal(res.status, 400, JSON.stringify(body))
      assert.equal(res.body.error.code, code, JSON.stringify(res.body))
      assert.ok(res.body.error.message.length > 10)
    }
    assert.equal((await t.call(root, 'POST', proxyUrl('/reload'))).status, 400)
    assert.equal((await t.call(root, 'GET', '/api/v1/servers/00000000-0000-4000-8000-000000000000/proxy')).status, 404)
  })

  it('versions each change, rolls back by appending a copy, and audits every step at instance level', async () => {
    const first = await t.call(root, 'PUT', proxyUrl(), { kind: 'traefik', image: 'traefik:v3.7.15' })
    assert.equal(first.status, 202, JSON.stringify(first.body))
    assert.equal(first.body.version, 1)
    const second = await t.call(root, 'PUT', proxyUrl(), { image: 'traefik:v3.8.0' })
    assert.equal(second.body.version, 2)
    const same = await t.call(root, 'PUT', proxyUrl(), { image: 'traefik:v3.8.0' })
    assert.equal(same.body.version, 2, 'the same file is no new version')

    assert.equal((await t.call(root, 'POST', proxyUrl('/rollback'), { version: 99 })).status, 404)
    const current = await t.call(root, 'POST', proxyUrl('/rollback'), { version: 2 })
    assert.equal(current.status, 409)
    assert.equal(current.body.error.code, 'already_current')
    const back = await t.call(root, 'POST', proxyUrl('/rollback'), { version: 1 })
    assert.equal(back.status, 202, JSON.stringify(back.body))
    assert.equal(back.body.version, 3)

    const versions = (await t.call(root, 'GET', proxyUrl('/versions'))).body
    assert.equal(versions.current_version, 3)
    assert.deepEqual(
      versions.versions.map((v: any) => [v.version, v.image, v.reason]),
      [
        [3, 'traefik:v3.7.15', 'rollback to version 1'],
        [2, 'traefik:v3.8.0', 'configured'],
        [1, 'traefik:v3.7.15', 'configured'],
      ],
    )
    assert.equal(versions.versions[0].sha256, versions.versions[2].sha256)
    assert.match(versions.versions[0].compose_yaml, /image: traefik:v3\.7\.15/)

    // The engine is unreachable: the status says so, and the deployments failed without running anything.
    const status = await t.call(root, 'GET', proxyUrl())
    assert.equal(status.status, 200, JSON.stringify(status.body))
    assert.equal(status.body.state, 'unreachable')
    assert.equal(status.body.proxy.current_version, 3)
    assert.ok(status.body.deployments.length >= 1)
    assert.ok(status.body.deployments.every((d: any) => d.resource_type === 'proxy'))

    const audit = (await t.call(root, 'GET', '/api/v1/audit?limit=200')).body
    const actions = JSON.stringify(audit)
    for (const action of ['proxy.configured', 'proxy.rollback']) assert.ok(actions.includes(action), action)

    // A team user (no instance role) gets 403, and sees no proxy deployment in its lists.
    const member = await t.token(['read', 'write', 'deploy'], 'Other')
    const refused = await t.call(member, 'GET', proxyUrl())
    assert.equal(refused.status, 403)
    assert.equal(refused.body.error.code, 'instance_admin_required')
    const lists = await t.call(root, 'GET', '/api/v1/deployments?scope=all')
    assert.ok(!lists.body.deployments.some((d: any) => d.resource_type === 'proxy'))
  })
})
