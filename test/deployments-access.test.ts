import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { PROXY_NETWORK, projectNetwork } from '../src/proxy/network.js'
import { TEST_IMAGE, containerNetworks, removeProject, requireDocker } from './support/docker.js'
import { createService, deploy, logText, waitForEnd } from './support/deploy-helpers.js'
import { databaseEnvFor } from './support/dialect.js'
import { berth } from './support/cli.js'
import { startTestApp, type TestApp } from './support/harness.js'

describe('deployment access control, history after deletion and the proxy network hook', () => {
  let t: TestApp
  let mine: string
  let theirs: string
  let projectId: string
  const projects: string[] = []

  before(async () => {
    t = await startTestApp()
    mine = await t.token(['root'], 'Default')
    theirs = await t.token(['root'], `Other ${Date.now()}`)
    projectId = (await t.call(mine, 'POST', '/api/v1/projects', { name: 'access' })).body.uuid
  })
  after(async () => {
    await t.close()
    for (const p of projects) await removeProject(p)
  })

  it("answers 404 for another team's deployments, servers, databases and resources", async () => {
    const serviceId = await createService(
      t,
      mine,
      projectId,
      'private',
      `services:\n  web:\n    image: ${TEST_IMAGE}\n    pull_policy: never\n`,
    )
    const server = (
      await t.call(mine, 'POST', '/api/v1/servers', { name: 'mine', docker_host: 'unix:///var/run/docker.sock' })
    ).body.uuid
    const database = (
      await t.call(mine, 'POST', `/api/v1/projects/${projectId}/databases`, { type: 'redis', name: 'cache' })
    ).body.uuid
    // Queued on a server that will never run it, so the test needs no Docker.
    await t.call(mine, 'PUT', `/api/v1/services/${serviceId}/server`, { server_uuid: server })
    await t.app.db.updateTable('servers').set({ concurrency_limit: 0 }).where('id', '=', server).execute()
    const deploymentId = (await t.call(mine, 'POST', '/api/v1/deploy', { uuid: serviceId })).body.deployments[0]
      .deployment_uuid
    const attempts: [string, string, unknown?][] = [
      ['POST', '/api/v1/deploy', { uuid: serviceId }],
      ['GET', `/api/v1/deployments/${deploymentId}`],
      ['GET', `/api/v1/deployments/${deploymentId}/logs`],
      ['GET', `/api/v1/deployments/${deploymentId}/logs/stream`],
      ['POST', `/api/v1/deployments/${deploymentId}/cancel`],
      ['GET', `/api/v1/deployments/services/deployment/${deploymentId}`],
      ['POST', `/api/v1/services/${serviceId}/stop`],
      ['POST', `/api/v1/services/${serviceId}/restart`],
      ['GET', `/api/v1/services/${serviceId}/logs`],
      ['GET', `/api/v1/services/${serviceId}/status`],
      ['PUT', `/api/v1/services/${serviceId}/server`, { server_uuid: server }],
      ['GET', `/api/v1/servers/${server}`],
      ['PATCH', `/api/v1/servers/${server}`, { name: 'stolen' }],
      ['DELETE', `/api/v1/servers/${server}`],
      ['POST', `/api/v1/servers/${server}/check`],
      ['GET', `/api/v1/databases/${database}`],
      ['DELETE', `/api/v1/databases/${database}`],
      ['POST', `/api/v1/databases/${database}/stop`],
    ]
    for (const [method, url, body] of attempts) {
      const res = await t.call(theirs, method as 'GET', url, body)
      assert.equal(res.status, 404, `${method} ${url} gave ${res.status}`)
    }
    assert.equal((await t.call(theirs, 'GET', '/api/v1/deployments')).body.count, 0)
    assert.equal((await t.call(theirs, 'GET', `/api/v1/deployments/services/${serviceId}`)).status, 404)
    assert.ok(!(await t.call(theirs, 'GET', '/api/v1/servers')).body.servers.some((s: any) => s.uuid === server))

    // A queued deployment is cancelled at once; its history outlives the service, name included.
    assert.equal((await t.call(mine, 'POST', `/api/v1/deployments/${deploymentId}/cancel`)).status, 202)
    assert.equal((await t.call(mine, 'DELETE', `/api/v1/services/${serviceId}`)).status, 204)
    const kept = await t.call(mine, 'GET', `/api/v1/deployments/${deploymentId}`)
    assert.equal(kept.body.status, 'cancelled-by-user')
    assert.equal(kept.body.resource_name, 'private')
    assert.match(await logText(t, mine, deploymentId), /Deployment cancelled: cancelled by .* before it started/)
    const audit = (await t.call(mine, 'GET', '/api/v1/audit')).body.items.map((i: any) => i.action)
    for (const action of [
      'deployment.queued',
      'deployment.cancelled',
      'server.created',
      'database.created',
      'service.server_assigned',
    ])
      assert.ok(audit.includes(action), action)
    const reader = await t.token(['read'])
    assert.equal((await t.call(reader, 'POST', '/api/v1/deploy', { uuid: serviceId })).status, 403)
    assert.equal((await t.call(reader, 'GET', `/api/v1/deployments/${deploymentId}/logs`)).status, 403)
  })

  it('answers 502 engine_error, never a 500, when the engine of a resource does not answer', async () => {
    const serviceId = await createService(
      t,
      mine,
      projectId,
      'unreachable',
      `services:\n  web:\n    image: ${TEST_IMAGE}\n`,
    )
    const server = (
      await t.call(mine, 'POST', '/api/v1/servers', { name: 'gone', docker_host: 'unix:///nonexistent/docker.sock' })
    ).body.uuid
    await t.call(mine, 'PUT', `/api/v1/services/${serviceId}/server`, { server_uuid: server })
    for (const url of [`/api/v1/services/${serviceId}/status`, `/api/v1/services/${serviceId}/logs`]) {
      const res = await t.call(mine, 'GET', url)
      assert.equal(res.status, 502, `${url} gave ${res.status}`)
      assert.equal(res.body.error.code, 'engine_error')
      assert.match(res.body.error.message, /docker ps failed on unix:\/\/\/nonexistent\/docker.sock: .+/)
    }
  })

  it('queues a deployment from the CLI that the running server picks up, with trigger "cli"', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const id = await createService(
      t,
      mine,
      projectId,
      'from-cli',
      `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    stop_grace_period: 1s\n`,
    )
    projects.push(composeProjectName(id))
    const run = berth(['deploy', id], { BERTH_DATA_DIR: t.dataDir, ...(await databaseEnvFor(t.dataDir)) })
    assert.equal(run.status, 0, run.stderr)
    const deploymentId = run.stdout.trim()
    const d = await waitForEnd(t, mine, deploymentId, 60_000)
    assert.equal(d.status, 'finished', await logText(t, mine, deploymentId))
    assert.equal(d.trigger, 'cli')
    assert.match(d.created_by, /^cli:/)
  })

  it("attaches the compose services the proxy routes to their project's network, not the proxies' own", async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const id = await createService(
      t,
      mine,
      projectId,
      'routed',
      `services:\n  web:\n    image: ${TEST_IMAGE}\n    command: httpd -f -p 80 -h /www\n    stop_grace_period: 1s\n  worker:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    stop_grace_period: 1s\n`,
    )
    projects.push(composeProjectName(id))
    // A route to `web` (the real routing: only routed compose services join the project's network).
    const domain = (
      await t.call(mine, 'POST', `/api/v1/projects/${projectId}/domains`, { domain: 'routed.berth.test', tls: false })
    ).body
    const route = await t.call(mine, 'POST', `/api/v1/domains/${domain.id}/routes`, {
      target: { service: id, compose_service: 'web', port: 80 },
    })
    assert.equal(route.status, 201, JSON.stringify(route.body))
    const d = await waitForEnd(t, mine, await deploy(t, mine, id))
    assert.equal(d.status, 'finished', await logText(t, mine, d.deployment_uuid))
    assert.match(
      await logText(t, mine, d.deployment_uuid),
      new RegExp(`Attaching web to the (newly created )?network ${projectNetwork(projectId)}`),
    )
    const networksOf = (service: string) => containerNetworks(`${composeProjectName(id)}-${service}-1`)
    assert.deepEqual(await networksOf('web'), [projectNetwork(projectId), `${composeProjectName(id)}_default`].sort())
    assert.ok(!(await networksOf('web')).includes(PROXY_NETWORK), "no user container joins the proxies' own network")
    assert.deepEqual(await networksOf('worker'), [`${composeProjectName(id)}_default`])
  })
})
