// The proxy run by Berth, from nothing: Berth starts the proxy container (Traefik, then Caddy) on
// the local server as a recorded deployment, a service gets a domain and a route, and the page
// answers through the proxy's published port without any redeploy. Stopping the container by hand
// shows as down; a change of the proxy's compose file rolls back to the version before. No image
// can be pulled here, so the busybox test image runs the real proxy binary mounted from the host.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { realpathSync } from 'node:fs'
import { describe, it, type TestContext } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { projectNetwork } from '../src/proxy/network.js'
import { createService, deploy, waitForEnd } from './support/deploy-helpers.js'
import { TEST_IMAGE, docker, freePort, removeProject, requireDocker, waitFor } from './support/docker.js'
import { requireTools } from './support/external-tools.js'
import { startTestApp, type TestApp } from './support/harness.js'
import { startReceiver } from './support/notify-receiver.js'
import { proxyRequest, traefikBinary, within } from './support/traefik.js'

const SITE = `services:
  web:
    image: ${TEST_IMAGE}
    command: ["sh", "-c", "mkdir -p /srv && echo ok-proxy > /srv/index.html && exec httpd -f -p 80 -h /srv"]
    stop_grace_period: 1s
`

/** The caddy binary and the shared libraries it links (the image has none), as host paths. */
function caddyFiles(): { binary: string; libraries: string[] } {
  const binary = execFileSync('sh', ['-c', 'command -v caddy'], { encoding: 'utf8' }).trim()
  const libraries = [...execFileSync('ldd', [binary], { encoding: 'utf8' }).matchAll(/(\/\S+)/g)].map((m) => m[1]!)
  return { binary: realpathSync(binary), libraries }
}

async function proxyStatus(app: TestApp, token: string, serverId: string) {
  const res = await app.call(token, 'GET', `/api/v1/servers/${serverId}/proxy`)
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body
}

/** Waits until the proxy deployment `id` has ended and returns it. */
async function proxyDeploymentEnd(app: TestApp, token: string, serverId: string, id: string) {
  return waitFor(
    `proxy deployment ${id} to end`,
    async () => {
      const d = (await proxyStatus(app, token, serverId)).deployments.find((x: any) => x.deployment_uuid === id)
      return d && ['finished', 'failed', 'cancelled-by-user'].includes(d.status) ? d : undefined
    },
    90_000,
  )
}

/** Waits for a proxy deployment to end; unless it finished, fails with its message and last log lines. */
async function proxyDeploymentFinished(app: TestApp, token: string, serverId: string, id: string) {
  const end = await proxyDeploymentEnd(app, token, serverId, id)
  if (end.status === 'finished') return end
  const page = await app.call(token, 'GET', `/api/v1/servers/${serverId}/proxy/deployments/${id}/logs`)
  const tail = ((page.body.lines ?? []) as { output: string }[]).slice(-20).map((l) => l.output)
  return assert.fail(`proxy deployment ${id} ended ${end.status}: ${end.message}\n${tail.join('\n')}`)
}

async function runScenario(
  t: TestContext,
  kind: 'traefik' | 'caddy',
  proxyConfig: Record<string, unknown>,
  settings: (web: number, websecure: number) => Record<string, unknown>,
) {
  const cleanup: (() => void | Promise<void>)[] = []
  try {
    const app = await startTestApp()
    cleanup.push(() => app.close())
    const root = await app.token(['root', 'instance'])
    const [web, websecure] = [await freePort(), await freePort()]
    const put = await app.call(root, 'PUT', '/api/v1/settings', {
      proxy: kind,
      http_to_https_redirect: false,
      ...settings(web, websecure),
    })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    app.app.proxySync.start(app.app.events)
    const serverId = (await app.call(root, 'GET', '/api/v1/servers')).body.servers.find((s: any) => s.default).uuid

    assert.equal((await proxyStatus(app, root, serverId)).state, 'not_configured')

    // Berth starts the proxy: version 1 of its compose file, deployed and health-gated by the worker.
    const started = await app.call(root, 'PUT', `/api/v1/servers/${serverId}/proxy`, { kind, ...proxyConfig })
    assert.equal(started.status, 202, JSON.stringify(started.body))
    assert.equal(started.body.version, 1)
    const proxyId = started.body.proxy.proxy_uuid
    cleanup.push(() => removeProject(composeProjectName(proxyId)))
    const first = await proxyDeploymentEnd(app, root, serverId, started.body.deployment_uuid)
    const log = await app.call(
      root,
      'GET',
      `/api/v1/servers/${serverId}/proxy/deployments/${first.deployment_uuid}/logs?limit=5000`,
    )
    assert.equal(log.status, 200, JSON.stringify(log.body))
    const logText = log.body.lines.map((l: any) => l.output).join('\n')
    assert.equal(first.status, 'finished', `${first.message}\n${logText}`)
    assert.match(logText, /\$ docker compose --project-name berth-[0-9a-f-]+ --file compose.yaml --env-file .env up -d/)
    assert.equal(first.resource_type, 'proxy')
    const running = await waitFor(
      `the ${kind} proxy serving Berth's configuration`,
      async () => {
        const s = await proxyStatus(app, root, serverId)
        return s.state === 'running' && s.config?.reading_berth_config ? s : undefined
      },
      30_000,
    )
    assert.equal(running.container.running, true)
    assert.match(running.container.ip, /^\d+\.\d+\.\d+\.\d+$/)

    // The proxy deployment is instance-level: no team sees it in its lists.
    const teamList = (await app.call(root, 'GET', '/api/v1/deployments?scope=all')).body.deployments
    assert.ok(!teamList.some((d: any) => d.resource_type === 'proxy'), JSON.stringify(teamList))
    assert.equal((await app.call(root, 'GET', `/api/v1/deployments/${first.deployment_uuid}`)).status, 404)

    // A service, deployed, then a domain and a route: live through the published port, no redeploy.
    const project = (await app.call(root, 'POST', '/api/v1/projects', { name: `p-${kind}` })).body.uuid
    const serviceId = await createService(app, root, project, 'site', SITE)
    cleanup.push(() => removeProject(composeProjectName(serviceId)))
    const deployed = await waitForEnd(app, root, await deploy(app, root, serviceId))
    assert.equal(deployed.status, 'finished')
    const host = `${kind}.berth.test`
    const domain = (await app.call(root, 'POST', `/api/v1/projects/${project}/domains`, { domain: host, tls: false }))
      .body
    const route = await app.call(root, 'POST', `/api/v1/domains/${domain.id}/routes`, {
      target: { service: serviceId, compose_service: 'web', port: 80 },
    })
    assert.equal(route.status, 201, JSON.stringify(route.body))
    const liveMs = await within(
      30_000,
      `the service answering through the ${kind} proxy on 127.0.0.1:${web}`,
      async () => (await proxyRequest('127.0.0.1', host, '/', { port: web })).text === 'ok-proxy\n',
    )
    t.diagnostic(`${kind}: route live ${Math.round(liveMs)} ms after it was created`)
    const history = (await app.call(root, 'GET', `/api/v1/deployments/services/${serviceId}`)).body.deployments
    assert.deepEqual(
      history.map((d: any) => d.action),
      ['attach', 'deploy'],
      'no redeploy: the attach connected it',
    )
    const withRoute = await proxyStatus(app, root, serverId)
    assert.equal(withRoute.state, 'running', withRoute.message)
    // The team's container shares only its project's network with the proxy: the proxies' own
    // network (where Berth reads their APIs) is out of its reach, and on the shared network the
    // APIs refuse it.
    const fromTeam = async (ip: string, port: number, path: string) =>
      (
        await docker([
          'exec',
          `${composeProjectName(serviceId)}-web-1`,
          '/bin/sh',
          '-c',
          `printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | /bin/busybox nc -w 3 ${ip} ${port} 2>&1; true`,
        ])
      ).stdout
    const sharedIp = (
      await docker([
        'inspect',
        '--format',
        `{{(index .NetworkSettings.Networks "${projectNetwork(project)}").IPAddress}}`,
        withRoute.container.id,
      ])
    ).stdout.trim()
    assert.match(sharedIp, /^\d+\.\d+\.\d+\.\d+$/, 'the proxy is on the project network')
    if (kind === 'traefik') {
      assert.ok(withRoute.config.expected_routers.includes('berth-api@file'), withRoute.config.expected_routers)
      // Traefik's raw data holds every team's routes and middlewares: only Berth's address may read it.
      assert.doesNotMatch(await fromTeam(withRoute.container.ip, 9480, '/api/rawdata'), /^HTTP/)
      assert.match(await fromTeam(sharedIp, 9480, '/api/rawdata'), /^HTTP\/1\.0 403 Forbidden/)
    } else {
      // Caddy's admin API takes any configuration from whoever reaches it: once Berth has loaded its
      // configuration it listens only on the proxy's own admin network, out of the routed containers' reach.
      assert.ok(withRoute.container.admin_ip && withRoute.container.admin_ip !== withRoute.container.ip)
      assert.doesNotMatch(await fromTeam(sharedIp, 2019, '/config/'), /^HTTP/)
      assert.doesNotMatch(await fromTeam(withRoute.container.ip, 2019, '/config/'), /^HTTP/)
    }

    // An instance channel hears when the proxy goes down (the engine's container event triggers the check).
    const receiver = await startReceiver()
    cleanup.push(() => receiver.close())
    const channel = await app.call(root, 'POST', '/api/v1/instance/notifications/channels', {
      name: 'ops',
      type: 'webhook',
      url: receiver.url('/ops'),
      events: ['proxy.down'],
    })
    assert.equal(channel.status, 201, JSON.stringify(channel.body))

    // Stopped by hand: down, with a sentence saying so.
    await docker(['stop', '--time', '1', running.container.id])
    const down = await proxyStatus(app, root, serverId)
    assert.equal(down.state, 'down')
    assert.match(down.message, /not running/)
    const [alert] = await waitFor(
      'the proxy.down notification',
      async () => receiver.to('/ops').length > 0 && receiver.to('/ops'),
      30_000,
    )
    assert.equal(alert!.body.event, 'proxy.down')
    assert.match(alert!.body.summary, /^The proxy of \S+ is down$/)
    // Started again through Berth.
    const again = await app.call(root, 'POST', `/api/v1/servers/${serverId}/proxy/start`)
    assert.equal(again.status, 202, JSON.stringify(again.body))
    assert.equal(again.body.version, 1, 'nothing changed in the file: the same version')
    await proxyDeploymentFinished(app, root, serverId, again.body.deployment_uuid)
    await within(30_000, 'the route answering again', async () => {
      return (await proxyRequest('127.0.0.1', host, '/', { port: web })).text === 'ok-proxy\n'
    })

    // A change of the compose file (an extra read-only mount) is version 2; rolling back makes
    // version 3, a copy of version 1, and deploys it.
    const changed = await app.call(root, 'PUT', `/api/v1/servers/${serverId}/proxy`, {
      extra_mounts: [...((proxyConfig.extra_mounts as string[]) ?? []), '/etc/hostname'],
    })
    assert.equal(changed.status, 202, JSON.stringify(changed.body))
    assert.equal(changed.body.version, 2)
    await proxyDeploymentFinished(app, root, serverId, changed.body.deployment_uuid)
    const back = await app.call(root, 'POST', `/api/v1/servers/${serverId}/proxy/rollback`, { version: 1 })
    assert.equal(back.status, 202, JSON.stringify(back.body))
    assert.equal(back.body.version, 3)
    await proxyDeploymentFinished(app, root, serverId, back.body.deployment_uuid)
    const versions = (await app.call(root, 'GET', `/api/v1/servers/${serverId}/proxy/versions`)).body
    assert.equal(versions.current_version, 3)
    const byNumber = new Map(versions.versions.map((v: any) => [v.version, v]))
    const [v1, v2, v3] = [1, 2, 3].map((n) => byNumber.get(n) as any)
    assert.equal(v3.compose_yaml, v1.compose_yaml)
    assert.equal(v3.sha256, v1.sha256)
    assert.notEqual(v2.sha256, v1.sha256)
    assert.match(v2.compose_yaml, /\/etc\/hostname:\/etc\/hostname:ro/)
    assert.equal(v3.reason, 'rollback to version 1')
    const mounts = (
      await docker([
        'inspect',
        '--format',
        '{{range .Mounts}}{{.Destination}} {{end}}',
        (await proxyStatus(app, root, serverId)).container.id,
      ])
    ).stdout
    assert.ok(!mounts.includes('/etc/hostname'), mounts)
    await within(30_000, 'the route answering after the rollback', async () => {
      return (await proxyRequest('127.0.0.1', host, '/', { port: web })).text === 'ok-proxy\n'
    })

    if (kind === 'traefik') {
      // A settings change that rewrites the static file makes the running Traefik stale until a restart.
      await new Promise((r) => setTimeout(r, 1100))
      await app.call(root, 'PUT', '/api/v1/settings', { letsencrypt_email: 'ops@example.com' })
      await app.app.proxySync.idle()
      const stale = await waitFor(
        'the proxy shown stale',
        async () => {
          const s = await proxyStatus(app, root, serverId)
          return s.state === 'stale' ? s : undefined
        },
        10_000,
      )
      assert.match(stale.message, /restart the proxy/)
      const restart = await app.call(root, 'POST', `/api/v1/servers/${serverId}/proxy/restart`)
      assert.equal(restart.status, 202, JSON.stringify(restart.body))
      await proxyDeploymentFinished(app, root, serverId, restart.body.deployment_uuid)
      await waitFor(
        'the proxy fresh again',
        async () => (await proxyStatus(app, root, serverId)).state === 'running',
        30_000,
      )
    }
  } finally {
    for (const step of cleanup.reverse()) await step()
  }
}

describe('the proxy run by Berth', () => {
  it('starts Traefik from nothing and serves a new route through it without a redeploy', {
    timeout: 300_000,
  }, async (t) => {
    if (!requireTools(t, [['traefik', ['version']]]) || !(await requireDocker(t))) return
    await runScenario(t, 'traefik', { image: TEST_IMAGE, binary_path: traefikBinary() }, (web, websecure) => ({
      entry_points: { web: `:${web}`, websecure: `:${websecure}` },
    }))
  })

  it('starts Caddy from nothing and serves a new route through it without a redeploy', {
    timeout: 300_000,
  }, async (t) => {
    if (!requireTools(t, [['caddy', ['version']]]) || !(await requireDocker(t))) return
    const caddy = caddyFiles()
    await runScenario(
      t,
      'caddy',
      { image: TEST_IMAGE, binary_path: caddy.binary, extra_mounts: caddy.libraries },
      (web, websecure) => ({ caddy_http_listen: `:${web}`, caddy_https_listen: `:${websecure}` }),
    )
  })
})
