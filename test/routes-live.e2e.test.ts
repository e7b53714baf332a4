// A route added to a service that already runs answers through a real Caddy without a redeploy:
// the route change queues an `attach` deployment, whose worker connects the running container to
// its project's network (which Caddy is connected to) under the alias Caddy dials (docker network connect), without recreating it.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { PROXY_NETWORK, projectNetwork } from '../src/proxy/network.js'
import { startCaddyWithApp } from './support/caddy.js'
import { createService, deploy, logText, waitForEnd } from './support/deploy-helpers.js'
import { TEST_IMAGE, containerNetworks, docker, removeProject, requireDocker, waitFor } from './support/docker.js'
import { requireTools } from './support/external-tools.js'
import { proxyRequest, within } from './support/traefik.js'

const LIVE_DEADLINE_MS = 20_000
const SITE = `services:
  web:
    image: ${TEST_IMAGE}
    command: ["sh", "-c", "mkdir -p /srv && echo ok-live > /srv/index.html && exec httpd -f -p 80 -h /srv"]
    stop_grace_period: 1s
`

describe('routes live without a redeploy', () => {
  it('connects a running service to the proxy network when its first route is added; Caddy serves it', {
    timeout: 180_000,
  }, async (t) => {
    if (!requireTools(t, [['caddy', ['version']]]) || !(await requireDocker(t))) return
    const cleanup: (() => void | Promise<void>)[] = []
    try {
      const { caddy, app, admin: root } = await startCaddyWithApp(cleanup, 'berth-live-')

      const project = (await app.call(root, 'POST', '/api/v1/projects', { name: 'live' })).body.uuid
      const serviceId = await createService(app, root, project, 'site', SITE)
      cleanup.push(() => removeProject(composeProjectName(serviceId)))
      // Deployed before any route exists: its container is not on the proxy network.
      const first = await waitForEnd(app, root, await deploy(app, root, serviceId))
      assert.equal(first.status, 'finished', await logText(app, root, first.deployment_uuid))
      const container = `${composeProjectName(serviceId)}-web-1`
      const networks = () => containerNetworks(container)
      assert.ok(!(await networks()).includes(projectNetwork(project)))
      const startedAt = (await docker(['inspect', '--format', '{{.State.StartedAt}}', container])).stdout.trim()

      const domain = (
        await app.call(root, 'POST', `/api/v1/projects/${project}/domains`, { domain: 'live.berth.test', tls: false })
      ).body
      const route = await app.call(root, 'POST', `/api/v1/domains/${domain.id}/routes`, {
        target: { service: serviceId, compose_service: 'web', port: 80 },
      })
      assert.equal(route.status, 201, JSON.stringify(route.body))

      const liveMs = await within(
        LIVE_DEADLINE_MS,
        'the running service answering through Caddy',
        async () => (await proxyRequest(caddy.ip, 'live.berth.test')).text === 'ok-live\n',
      )
      t.diagnostic(`route live ${Math.round(liveMs)} ms after it was created, without a redeploy`)
      assert.ok((await networks()).includes(projectNetwork(project)))
      assert.ok(!(await networks()).includes(PROXY_NETWORK), "no user container joins the proxies' own network")
      const sameStart = (await docker(['inspect', '--format', '{{.State.StartedAt}}', container])).stdout.trim()
      assert.equal(sameStart, startedAt, 'the container was connected, not recreated')

      // The connection is a recorded deployment of the service, with the command in its log.
      const history = (await app.call(root, 'GET', `/api/v1/deployments/services/${serviceId}`)).body.deployments
      const attach = history.find((d: any) => d.action === 'attach')
      assert.ok(attach, JSON.stringify(history))
      const done = await waitForEnd(app, root, attach.deployment_uuid)
      assert.equal(done.status, 'finished')
      assert.equal(done.message, `1 container of web attached to the network ${projectNetwork(project)}`)
      assert.match(
        await logText(app, root, attach.deployment_uuid),
        new RegExp(`\\$ docker network connect --alias web\\.${serviceId} ${projectNetwork(project)} [0-9a-f]{64}`),
      )

      // A second route to the same compose service finds it attached already.
      await app.call(root, 'POST', `/api/v1/domains/${domain.id}/routes`, {
        target: { service: serviceId, compose_service: 'web', port: 80 },
        path: '/again',
      })
      const second = await waitFor(
        'the second attach to end',
        async () => {
          const list = (await app.call(root, 'GET', `/api/v1/deployments/services/${serviceId}`)).body.deployments
          const attaches = list.filter((d: any) => d.action === 'attach')
          return attaches.length === 2 && attaches[0].status === 'finished' ? attaches[0] : undefined
        },
        20_000,
      )
      assert.equal(second.message, `already on the network ${projectNetwork(project)}`)
    } finally {
      for (const step of cleanup.reverse()) await step()
    }
  })
})
