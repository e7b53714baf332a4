// A project's default server: the server its new services and databases deploy to, chosen on the
// project (one of the team's servers), audited, and used by every way a resource is created.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { startTestApp, type TestApp } from './support/harness.js'

const COMPOSE = 'services:\n  web:\n    image: berth-test/busybox:1\n'

describe("a project's default server", () => {
  let t: TestApp
  let owner: string
  let project: string
  let edge: string // a server of the team
  let instanceDefault: string

  before(async () => {
    t = await startTestApp()
    owner = await t.token(['root'])
    project = (await t.call(owner, 'POST', '/api/v1/projects', { name: 'shop' })).body.uuid
    const server = await t.call(owner, 'POST', '/api/v1/servers', {
      name: 'edge',
      docker_host: 'unix:///var/run/edge.sock',
    })
    assert.equal(server.status, 201, JSON.stringify(server.body))
    edge = server.body.uuid
    instanceDefault = (await t.call(owner, 'GET', '/api/v1/servers')).body.servers.find((s: any) => s.default).uuid
  })
  after(() => t.close())

  const serverOf = async (path: string) => (await t.call(owner, 'GET', path)).body.server_uuid

  it('places new services and databases on it, unless the create request names another server', async () => {
    const before = await t.call(owner, 'POST', `/api/v1/projects/${project}/services`, {
      name: 'old',
      compose: COMPOSE,
    })
    assert.equal(before.body.server_uuid, null, 'no default yet: the instance default server')

    const set = await t.call(owner, 'PATCH', `/api/v1/projects/${project}`, { default_server_uuid: edge })
    assert.equal(set.status, 200, JSON.stringify(set.body))
    assert.equal(set.body.default_server_uuid, edge)
    assert.equal((await t.call(owner, 'GET', `/api/v1/projects/${project}`)).body.default_server_uuid, edge)
    const listed = (await t.call(owner, 'GET', '/api/v1/projects')).body.projects
    assert.equal(listed.find((p: any) => p.uuid === project).default_server_uuid, edge)

    const web = await t.call(owner, 'POST', `/api/v1/projects/${project}/services`, { name: 'web', compose: COMPOSE })
    assert.equal(web.status, 201, JSON.stringify(web.body))
    assert.equal(web.body.server_uuid, edge)
    assert.equal(await serverOf(`/api/v1/services/${web.body.uuid}`), edge)
    const db = await t.call(owner, 'POST', `/api/v1/projects/${project}/databases`, { type: 'redis', name: 'cache' })
    assert.equal(db.status, 201, JSON.stringify(db.body))
    assert.equal(db.body.server_uuid, edge)
    assert.equal(await serverOf(`/api/v1/databases/${db.body.uuid}`), edge)
    assert.equal(await serverOf(`/api/v1/services/${before.body.uuid}`), null, 'existing services stay where they are')

    const elsewhere = await t.call(owner, 'POST', `/api/v1/projects/${project}/services`, {
      name: 'api',
      compose: COMPOSE,
      server_uuid: instanceDefault,
    })
    assert.equal(elsewhere.body.server_uuid, instanceDefault)
    const elsewhereDb = await t.call(owner, 'POST', `/api/v1/projects/${project}/databases`, {
      type: 'redis',
      name: 'queue',
      server_uuid: instanceDefault,
    })
    assert.equal(elsewhereDb.body.server_uuid, instanceDefault)

    const audit = (await t.call(owner, 'GET', '/api/v1/audit?action=project.updated')).body.items
    assert.deepEqual(audit[0].details, { changed: ['default_server_id'], default_server_name: 'edge' })
  })

  it("refuses a server that is not the team's, changing nothing", async () => {
    const other = await t.token(['root'], 'Other team')
    const theirs = (
      await t.call(other, 'POST', '/api/v1/servers', { name: 'theirs', docker_host: 'unix:///var/run/theirs.sock' })
    ).body.uuid
    const refused = await t.call(owner, 'PATCH', `/api/v1/projects/${project}`, {
      name: 'renamed',
      default_server_uuid: theirs,
    })
    assert.equal(refused.status, 422, JSON.stringify(refused.body))
    assert.equal(refused.body.error.code, 'unknown_server')
    const unchanged = (await t.call(owner, 'GET', `/api/v1/projects/${project}`)).body
    assert.deepEqual([unchanged.name, unchanged.default_server_uuid], ['shop', edge])
    const create = await t.call(owner, 'POST', `/api/v1/projects/${project}/services`, {
      name: 'sneaky',
      compose: COMPOSE,
      server_uuid: theirs,
    })
    assert.equal(create.status, 422)
    const names = (await t.call(owner, 'GET', `/api/v1/projects/${project}`)).body.services.map((s: any) => s.name)
    assert.ok(!names.includes('sneaky'), 'no half-made service')
    const badUuid = await t.call(owner, 'PATCH', `/api/v1/projects/${project}`, { default_server_uuid: 'edge' })
    assert.equal(badUuid.status, 400)
  })

  it('is cleared by null, and when its server is removed', async () => {
    const cleared = await t.call(owner, 'PATCH', `/api/v1/projects/${project}`, { default_server_uuid: null })
    assert.equal(cleared.body.default_server_uuid, null)
    const plain = await t.call(owner, 'POST', `/api/v1/projects/${project}/services`, {
      name: 'later',
      compose: COMPOSE,
    })
    assert.equal(plain.body.server_uuid, null)

    const spare = (
      await t.call(owner, 'POST', '/api/v1/servers', { name: 'spare', docker_host: 'unix:///var/run/spare.sock' })
    ).body.uuid
    await t.call(owner, 'PATCH', `/api/v1/projects/${project}`, { default_server_uuid: spare })
    assert.equal((await t.call(owner, 'DELETE', `/api/v1/servers/${spare}`)).status, 204)
    assert.equal((await t.call(owner, 'GET', `/api/v1/projects/${project}`)).body.default_server_uuid, null)
  })
})
