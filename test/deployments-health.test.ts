import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import {
  TEST_IMAGE,
  docker,
  freePort,
  httpGet,
  httpdCompose,
  removeProject,
  requireDocker,
  waitFor,
} from './support/docker.js'
import { createService, deploy, logText, waitForEnd, waitForFinished } from './support/deploy-helpers.js'
import { startTestApp, type TestApp } from './support/harness.js'

/** A service whose container prints a line on each stream and exits at once; Docker restarts it. */
function crashingCompose(secretEcho = ''): string {
  return `services:
  app:
    image: ${TEST_IMAGE}
    restart: unless-stopped
    command: ["sh", "-c", "echo starting up ${secretEcho}; echo 'fatal: no config file' >&2; exit 3"]
    environment:
      API_TOKEN: \${API_TOKEN:-none}
`
}

function healthCompose(check: string, retries: number): string {
  return `services:
  app:
    image: ${TEST_IMAGE}
    command: sleep 600
    stop_grace_period: 1s
    healthcheck:
      test: ["CMD", "${check}"]
      interval: 1s
      timeout: 1s
      retries: ${retries}
`
}

describe('health-gated deployments on a real Docker engine', () => {
  let t: TestApp
  let root: string
  let projectId: string
  const projects: string[] = []

  before(async () => {
    t = await startTestApp()
    root = await t.token(['root'])
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: `health-${Date.now()}` })).body.uuid
  })
  after(async () => {
    await t.close()
    for (const p of projects) await removeProject(p)
  })

  async function service(name: string, compose: string) {
    const id = await createService(t, root, projectId, name, compose)
    projects.push(composeProjectName(id))
    return id
  }

  it('fails a crash-looping container, naming it, with its last output (redacted) in the log', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const id = await service('crasher', crashingCompose('$$API_TOKEN'))
    const secret = 'tok-9f8e7d6c5b4a'
    const env = await t.call(root, 'PUT', `/api/v1/services/${id}/env`, { API_TOKEN: { value: secret, secret: true } })
    assert.equal(env.status, 200, JSON.stringify(env.body))
    const done = await waitForEnd(t, root, await deploy(t, root, id))
    const log = await logText(t, root, done.deployment_uuid)
    assert.equal(done.status, 'failed', log)
    assert.match(
      done.message,
      /^health check failed: container app-1 (is restarting|restarted \d+ times?) \(last exit code 3\)$/,
    )
    assert.match(log, /container app-1 .*; its last \d+ lines of output:/)
    assert.match(log, /fatal: no config file/)
    assert.match(log, /starting up <REDACTED>/)
    assert.ok(!log.includes(secret), 'the secret the container printed is redacted')
  })

  it('fails a container whose health check never passes once the service timeout is over', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const id = await service('never-healthy', healthCompose('false', 100))
    const patch = await t.call(root, 'PATCH', `/api/v1/services/${id}`, { health_timeout_seconds: 3 })
    assert.equal(patch.status, 200, JSON.stringify(patch.body))
    assert.equal(patch.body.health_timeout_seconds, 3)
    const done = await waitForEnd(t, root, await deploy(t, root, id))
    assert.equal(done.status, 'failed', await logText(t, root, done.deployment_uuid))
    assert.equal(done.message, 'health check failed: timed out after 3 s waiting for app-1 (health: starting)')
    const took = Date.parse(done.finished_at) - Date.parse(done.started_at)
    assert.ok(took >= 3000, `waited the whole timeout (${took} ms)`)
  })

  it('fails a container that turns unhealthy, with the health check output', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const id = await service('turns-unhealthy', healthCompose('false', 1))
    const done = await waitForEnd(t, root, await deploy(t, root, id))
    assert.equal(done.status, 'failed', await logText(t, root, done.deployment_uuid))
    assert.match(done.message, /^health check failed: container app-1 is unhealthy/)
  })

  it('finishes once the health check passes, and says so', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const id = await service('healthy', healthCompose('true', 3))
    const done = await waitForEnd(t, root, await deploy(t, root, id))
    const log = await logText(t, root, done.deployment_uuid)
    assert.equal(done.status, 'finished', log)
    assert.equal(done.message, '1 container is up and healthy')
    assert.match(log, /Waiting up to 120 s for the containers to be healthy/)
    assert.match(log, /app-1: healthy/)
    const state = await docker(['inspect', '--format', '{{.State.Health.Status}}', `${composeProjectName(id)}-app-1`])
    assert.equal(state.stdout.trim(), 'healthy')
  })

  it('rolls back to the last version that passed when the service asks for it', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const port = await freePort()
    const id = await service('rolls-back', httpdCompose(port))
    const on = await t.call(root, 'PATCH', `/api/v1/services/${id}`, { auto_rollback: true })
    assert.equal(on.body.auto_rollback, true)
    const good = await waitForEnd(t, root, await deploy(t, root, id))
    assert.equal(good.status, 'finished', await logText(t, root, good.deployment_uuid))

    const put = await t.call(root, 'PUT', `/api/v1/services/${id}/compose`, {
      yaml: crashingCompose(),
      base_version: 1,
    })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    const bad = await waitForEnd(t, root, await deploy(t, root, id))
    assert.equal(bad.status, 'failed')
    assert.equal(bad.compose_version, 2)

    const rollback = await waitFor(
      'the automatic rollback to end',
      async () => {
        const list = (await t.call(root, 'GET', `/api/v1/deployments/services/${id}?take=10`)).body.deployments
        const r = list.find((d: any) => d.rollback_of === bad.deployment_uuid)
        return r && ['finished', 'failed'].includes(r.status) ? r : undefined
      },
      60_000,
    )
    const log = await logText(t, root, rollback.deployment_uuid)
    assert.equal(rollback.status, 'finished', log)
    assert.equal(rollback.trigger, 'rollback')
    assert.equal(rollback.compose_version, 1)
    assert.match(log, new RegExp(`Rolling back: deployment ${bad.deployment_uuid} failed its health check`))
    const answer = await waitFor('version 1 to answer again', () => httpGet(`http://127.0.0.1:${port}/`), 20_000)
    assert.equal(answer.body.trim(), 'ok')
    // The service's own history is unchanged: version 2 stays current, for the user to mend.
    assert.equal((await t.call(root, 'GET', `/api/v1/services/${id}`)).body.current_version, 2)
    const audit = await t.call(root, 'GET', `/api/v1/audit?resource_id=${id}`)
    const entry = audit.body.items.find((e: any) => e.action === 'deployment.rollback_queued')
    assert.ok(entry, JSON.stringify(audit.body).slice(0, 500))
    assert.equal(entry.details.rollback_of, bad.deployment_uuid)
  })

  it('does not roll back when the service does not ask for it', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const port = await freePort()
    const id = await service('no-rollback', httpdCompose(port))
    await waitForFinished(t, root, await deploy(t, root, id))
    await t.call(root, 'PUT', `/api/v1/services/${id}/compose`, { yaml: crashingCompose(), base_version: 1 })
    const bad = await waitForEnd(t, root, await deploy(t, root, id))
    assert.equal(bad.status, 'failed')
    const list = (await t.call(root, 'GET', `/api/v1/deployments/services/${id}?take=10`)).body.deployments
    assert.equal(list.length, 2, 'no third deployment was queued')
  })

  it('names the cause the engine gave: a port already taken, an unreachable registry', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const port = await freePort()
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
    try {
      const id = await service('port-taken', httpdCompose(port))
      const done = await waitForEnd(t, root, await deploy(t, root, id))
      assert.equal(done.status, 'failed')
      assert.match(
        done.message,
        new RegExp(
          `^docker compose up failed: port 127.0.0.1:${port} is already (allocated|in use) on the server \\(exited with code \\d+\\)$`,
        ),
      )
    } finally {
      blocker.close()
    }
    const id = await service('no-registry', `services:\n  app:\n    image: registry.invalid/berth/nothing:1\n`)
    const done = await waitForEnd(t, root, await deploy(t, root, id))
    assert.equal(done.status, 'failed')
    assert.match(
      done.message,
      /^docker compose up failed: the image registry could not be reached \(registry\.invalid: no such host\)/,
    )
  })
})
