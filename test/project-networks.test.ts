// A project's network lives as long as its project: the proxies join the networks of this Berth's
// projects only (never another instance's on a shared engine, nor a deleted project's), and deleting
// a project takes its network away once its containers are gone, disconnecting the proxies first.
// Before this, every project network ever made stayed on the engine and every proxy joined them
// all: each restart of the proxy then spent seconds per network, and the address pool ran down.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { projectNetworksOn } from '../src/deployments/attach-routed.js'
import { composeProjectName } from '../src/deployments/resources.js'
import { existingProjectIds } from '../src/projects/projects.repo.js'
import { PROJECT_NETWORK_LABEL, PROXY_LABEL, projectNetwork } from '../src/proxy/network.js'
import { createDockerHost, LOCAL_DOCKER_HOST } from '../src/servers/docker-host.js'
import { createService, deploy, logText, waitForFinished, waitForRemoval } from './support/deploy-helpers.js'
import { TEST_IMAGE, containerNetworks, docker, removeProject, requireDocker, waitFor } from './support/docker.js'
import { startTestApp, type TestApp } from './support/harness.js'

const WEB = `services:\n  web:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    stop_grace_period: 1s\n`

describe("a project's network", () => {
  let t: TestApp
  let token: string
  const cleanup: Array<() => Promise<unknown>> = []
  before(async () => {
    t = await startTestApp()
    token = await t.token(['root'])
  })
  after(async () => {
    for (const step of cleanup.reverse()) await step()
    await t.close()
  })

  const networkExists = async (name: string) =>
    (await docker(['network', 'ls', '--quiet', '--filter', `name=^${name}$`])).stdout.trim() !== ''

  /** A deployed service of a new project with a route, so it sits on its project's network. */
  async function routedProject(name: string) {
    const projectId = (await t.call(token, 'POST', '/api/v1/projects', { name })).body.uuid
    const serviceId = await createService(t, token, projectId, 'web', WEB)
    cleanup.push(() => removeProject(composeProjectName(serviceId)))
    await waitForFinished(t, token, await deploy(t, token, serviceId))
    const domain = (
      await t.call(token, 'POST', `/api/v1/projects/${projectId}/domains`, { domain: `${name}.test`, tls: false })
    ).body
    const route = await t.call(token, 'POST', `/api/v1/domains/${domain.id}/routes`, {
      target: { service: serviceId, compose_service: 'web', port: 80 },
    })
    assert.equal(route.status, 201, JSON.stringify(route.body))
    const container = `${composeProjectName(serviceId)}-web-1`
    await waitFor(
      `${container} on its project's network`,
      async () => (await containerNetworks(container)).includes(projectNetwork(projectId)),
      30_000,
    )
    return { projectId, serviceId }
  }

  it("lists only this Berth's project networks for the proxies to join", async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const { projectId } = await routedProject('known')
    const foreignId = randomUUID()
    const foreign = projectNetwork(foreignId)
    await docker(['network', 'create', '--label', `${PROJECT_NETWORK_LABEL}=${foreignId}`, foreign])
    cleanup.push(() => docker(['network', 'rm', foreign]))
    const host = createDockerHost({ id: 'local', docker_host: LOCAL_DOCKER_HOST }, null, '/nonexistent')
    const listed = await projectNetworksOn(host, { knownProjects: (ids) => existingProjectIds(t.app.db, ids) })
    assert.ok(listed.includes(projectNetwork(projectId)), listed.join(' '))
    assert.ok(!listed.includes(foreign), 'a network labelled with a project this Berth does not hold is left out')
  })

  it('goes with its project, after the proxy on it is disconnected; a deleted service alone leaves it', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    // A proxy the operator runs and labels: Berth connects it to the project's network at the route's attach.
    const proxy = `berth-test-proxy-${process.pid}`
    const parking = `berth-test-parking-${process.pid}`
    await docker(['network', 'create', parking])
    cleanup.push(() => docker(['network', 'rm', parking]))
    await docker([
      'run',
      '-d',
      '--name',
      proxy,
      '--label',
      `${PROXY_LABEL}=true`,
      '--network',
      parking,
      TEST_IMAGE,
      'sleep',
      '600',
    ])
    cleanup.push(() => docker(['rm', '-f', proxy]))

    const { projectId, serviceId } = await routedProject('going')
    const network = projectNetwork(projectId)
    assert.ok((await containerNetworks(proxy)).includes(network), 'the proxy joined the project network')
    const second = await createService(t, token, projectId, 'other', WEB)
    cleanup.push(() => removeProject(composeProjectName(second)))
    await waitForFinished(t, token, await deploy(t, token, second))

    // Deleting one service of a project that goes on keeps the network for the others.
    assert.equal((await t.call(token, 'DELETE', `/api/v1/services/${second}`)).status, 204)
    await removalFinished(second)
    assert.ok(await networkExists(network), 'the project still exists: its network stays')

    assert.equal((await t.call(token, 'DELETE', `/api/v1/projects/${projectId}`)).status, 204)
    const removal = await removalFinished(serviceId)
    assert.equal(await networkExists(network), false, 'the deleted project leaves no network behind')
    assert.ok(!(await containerNetworks(proxy)).includes(network))
    assert.match(removal.log, new RegExp(`removed the network ${network} of the deleted project`))
  })

  async function removalFinished(resourceId: string) {
    const row = await waitForRemoval(t, resourceId)
    assert.equal(row.status, 'finished', row.message ?? '')
    return { ...row, log: await logText(t, token, row.id, true) }
  }
})
