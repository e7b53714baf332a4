// Network isolation between teams, on the real engine: each project's routed services share a
// network with the proxy and with nothing else, so a container of team B can reach neither team
// A's service by its alias nor by its address, while the proxy (a real Caddy) serves both sites.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { PROXY_NETWORK, projectNetwork, upstreamAlias } from '../src/proxy/network.js'
import { startCaddyWithApp } from './support/caddy.js'
import { createService, deploy, logText, waitForEnd } from './support/deploy-helpers.js'
import { TEST_IMAGE, containerNetworks, docker, removeProject, requireDocker } from './support/docker.js'
import { requireTools } from './support/external-tools.js'
import type { TestApp } from './support/harness.js'
import { proxyRequest, within } from './support/traefik.js'

const site = (text: string) => `services:
  web:
    image: ${TEST_IMAGE}
    command: ["sh", "-c", "mkdir -p /srv && echo ${text} > /srv/index.html && exec httpd -f -p 80 -h /srv"]
    stop_grace_period: 1s
`

/** A team's project with one routed site on `host`, deployed; returns its ids. */
async function routedSite(app: TestApp, token: string, name: string, host: string) {
  const project = (await app.call(token, 'POST', '/api/v1/projects', { name })).body.uuid
  const serviceId = await createService(app, token, project, 'site', site(`ok-${name}`))
  const domain = (await app.call(token, 'POST', `/api/v1/projects/${project}/domains`, { domain: host, tls: false }))
    .body
  const route = await app.call(token, 'POST', `/api/v1/domains/${domain.id}/routes`, {
    target: { service: serviceId, compose_service: 'web', port: 80 },
  })
  assert.equal(route.status, 201, JSON.stringify(route.body))
  return { project, serviceId }
}

/** What a container gets asking `ip` for `/` over HTTP (busybox nc; its error when it cannot connect). */
async function fetchFrom(container: string, ip: string, port = 80): Promise<string> {
  const request = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${ip} ${port} 2>&1; true`
  return (await docker(['exec', container, 'sh', '-c', request])).stdout
}

/** The IPv4 addresses Docker's DNS gives a container for `name` (busybox's own resolver: the static libc one crashes). */
async function resolveIn(container: string, name: string): Promise<string[]> {
  const { stdout } = await docker(['exec', container, 'sh', '-c', `nslookup ${name} 2>&1; true`])
  const answer = stdout
    .split(/^Name:/m)
    .slice(1)
    .join('\n')
  return [...answer.matchAll(/Address(?: \d+)?:\s*(\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!)
}

describe('network isolation between teams', () => {
  it("keeps team B's containers away from team A's service; the proxy reaches both", {
    timeout: 180_000,
  }, async (t) => {
    if (!requireTools(t, [['caddy', ['version']]]) || !(await requireDocker(t))) return
    const cleanup: (() => void | Promise<void>)[] = []
    try {
      const { caddy, app, admin } = await startCaddyWithApp(cleanup, 'berth-isolation-', 'Team A')
      const ownerB = await app.token(['root'], 'Team B')

      const a = await routedSite(app, admin, 'alpha', 'alpha.berth.test')
      const b = await routedSite(app, ownerB, 'beta', 'beta.berth.test')
      for (const [token, s] of [
        [admin, a],
        [ownerB, b],
      ] as const) {
        cleanup.push(() => removeProject(composeProjectName(s.serviceId)))
        const done = await waitForEnd(app, token, await deploy(app, token, s.serviceId))
        assert.equal(done.status, 'finished', await logText(app, token, done.deployment_uuid))
      }

      // The proxy serves both sites: it was connected to each project's network.
      for (const name of ['alpha', 'beta'])
        await within(20_000, `${name} answering through Caddy`, async () => {
          return (await proxyRequest(caddy.ip, `${name}.berth.test`)).text === `ok-${name}\n`
        })

      const containerA = `${composeProjectName(a.serviceId)}-web-1`
      const containerB = `${composeProjectName(b.serviceId)}-web-1`
      const networksOf = containerNetworks
      assert.ok((await networksOf(containerA)).includes(projectNetwork(a.project)))
      assert.ok(!(await networksOf(containerB)).includes(projectNetwork(a.project)))
      for (const c of [containerA, containerB]) assert.ok(!(await networksOf(c)).includes(PROXY_NETWORK))

      // Control: team B's container resolves and fetches its own site by its alias.
      const [addressB] = await resolveIn(containerB, upstreamAlias(b.serviceId, 'web'))
      assert.ok(addressB, 'team B resolves its own alias')
      assert.match(await fetchFrom(containerB, addressB), /ok-beta/)
      // Team A's site: no name to resolve, and its address on A's network does not answer.
      assert.deepEqual(await resolveIn(containerB, upstreamAlias(a.serviceId, 'web')), [])
      const addressA = (
        await docker([
          'inspect',
          '--format',
          `{{(index .NetworkSettings.Networks "${projectNetwork(a.project)}").IPAddress}}`,
          containerA,
        ])
      ).stdout.trim()
      assert.match(addressA, /^\d+\.\d+\.\d+\.\d+$/)
      assert.doesNotMatch(await fetchFrom(containerB, addressA), /ok-alpha/)
      // Control: the same request from A's own container answers, so the refusal above is the network's.
      assert.match(await fetchFrom(containerA, addressA), /ok-alpha/)
      // Nor through the proxies' own network: B's container is not on it.
      assert.doesNotMatch(await fetchFrom(containerB, caddy.ip, 2019), /^HTTP/)
    } finally {
      for (const step of cleanup.reverse()) await step()
    }
  })
})
