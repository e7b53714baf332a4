// The Docker engine of one server goes away in the middle of a deployment (dockerd stopped):
// the deployment fails with a line saying so, another server's queue keeps moving, /health shows
// the server unreachable, and a deployment succeeds there once the engine is back.
// The engine stopped is a private dockerd of this test's own (the machine's serves other tests).
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { bearerApi, startServer } from '../support/cli.js'
import { requireDocker, SLOW_COMPOSE, TEST_IMAGE, waitFor } from '../support/docker.js'
import { privateDockerdProblem, startPrivateDockerd } from '../support/private-dockerd.js'
import { leftovers, prepareServerDataDir } from '../support/server-setup.js'
import { composeProjectName } from '../../src/deployments/resources.js'

const QUICK_COMPOSE = `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    stop_grace_period: 1s\n`

describe('a server whose Docker engine goes away', () => {
  const made = leftovers()
  after(() => made.cleanUp())

  it('fails its deployment clearly, keeps other queues moving and deploys again once the engine is back', async (t) => {
    if (!(await requireDocker(t))) return
    const problem = privateDockerdProblem()
    if (problem) {
      if (process.env.CI === 'true') throw new Error(`a private dockerd is required in CI: ${problem}`)
      return t.skip(problem)
    }
    const engine = await startPrivateDockerd([TEST_IMAGE])
    t.after(() => engine.remove())
    const { env, token } = await prepareServerDataDir(made.dataDir('berth-engine-loss-'), ['root', 'instance'])
    const server = await startServer(env)
    t.after(() => server.stop())
    const api = bearerApi(server.url, token)

    const created = await api('POST', '/servers', { name: 'private-engine', docker_host: engine.host })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const serverId = created.body.uuid
    const project = (await api('POST', '/projects', { name: 'engine-loss' })).body.uuid
    const service = async (name: string, compose: string) => {
      const res = await api('POST', `/projects/${project}/services`, { name, compose })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      made.project(composeProjectName(res.body.uuid))
      return res.body.uuid as string
    }
    const remote = await service('on-private', SLOW_COMPOSE)
    const local = await service('on-local', QUICK_COMPOSE)
    assert.equal((await api('PUT', `/services/${remote}/server`, { server_uuid: serverId })).status, 200)
    const deploy = async (uuid: string) => {
      const res = await api('POST', '/deploy', { uuid })
      assert.equal(res.status, 202, JSON.stringify(res.body))
      return res.body.deployments[0].deployment_uuid as string
    }
    const ended = (id: string) =>
      waitFor(
        `deployment ${id} to end`,
        async () => {
          const d = (await api('GET', `/deployments/${id}`)).body
          return ['finished', 'failed', 'cancelled-by-user'].includes(d.status) ? d : undefined
        },
        90_000,
      )
    const logOf = async (id: string) =>
      ((await api('GET', `/deployments/${id}/logs?limit=5000`)).body.lines as { output: string }[]).map((l) => l.output)

    const doomed = await deploy(remote)
    await waitFor(
      'the deployment on the private engine to run compose up',
      async () => (await logOf(doomed)).some((line) => line.startsWith('$ docker compose')),
      60_000,
    )
    await engine.stop()
    const elsewhere = await deploy(local)

    const failed = await ended(doomed)
    assert.equal(failed.status, 'failed')
    const lines = await logOf(doomed)
    t.diagnostic(`last line: ${lines.at(-1)}`)
    assert.match(lines.join('\n'), /Docker engine (could not be reached|stopped answering)/)
    assert.match(lines.at(-1)!, /^Deployment failed after/)
    assert.equal((await ended(elsewhere)).status, 'finished', 'the local server queue kept moving')

    const health = await waitFor(
      '/health to show the server unreachable',
      async () => {
        const body = await (await fetch(`${server.url}/health`)).json()
        return body.servers?.[serverId]?.reachable === false ? body : undefined
      },
      20_000,
    )
    assert.equal(health.servers[serverId].engine_version, null)

    await engine.start()
    const saved = await api('PUT', `/services/${remote}/compose`, { yaml: QUICK_COMPOSE, base_version: 1 })
    assert.equal(saved.status, 200, JSON.stringify(saved.body))
    const retry = await deploy(remote)
    assert.equal((await ended(retry)).status, 'finished', (await logOf(retry)).join('\n'))
    await waitFor(
      '/health to show the server reachable again',
      async () => (await (await fetch(`${server.url}/health`)).json()).servers?.[serverId]?.reachable === true,
      90_000,
    )
  })
})
