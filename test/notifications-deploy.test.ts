import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { createService, deploy, waitForEnd } from './support/deploy-helpers.js'
import { TEST_IMAGE, removeProject, requireDocker, waitFor } from './support/docker.js'
import { startTestApp, startTestAppIn, type TestApp } from './support/harness.js'
import { startReceiver } from './support/notify-receiver.js'

const CHANNELS = '/api/v1/notifications/channels'
const SECRET = 'tok-planted-7c1e9a0b55'

/** A container that prints the secret and exits at once: the health gate fails it within a second or two. */
const CRASHING = `services:
  app:
    image: ${TEST_IMAGE}
    restart: unless-stopped
    command: ["sh", "-c", "echo using token $$API_TOKEN; echo 'fatal: no config' >&2; exit 3"]
    environment:
      API_TOKEN: \${API_TOKEN:-none}
`
const STEADY = `services:
  app:
    image: ${TEST_IMAGE}
    command: sleep 600
    stop_grace_period: 1s
`

describe('notifications of real deployments on the Docker engine', () => {
  let t: TestApp
  let root: string
  let projectId: string
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  const projects: string[] = []

  before(async () => {
    receiver = await startReceiver()
    // A short grouping window: a failure and the recovery of one service follow each other closely.
    t = await startTestApp({ BERTH_PUBLIC_URL: 'https://berth.example.com', BERTH_NOTIFICATION_GROUP_SECONDS: '1' })
    root = await t.token(['root'])
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'shop' })).body.uuid
    receiver.expectSecret('/hook', 'whsec-deploy-test-secret-1')
    const channels = [
      { name: 'webhook', type: 'webhook', url: receiver.url('/hook'), secret: 'whsec-deploy-test-secret-1' },
      { name: 'slack', type: 'slack', url: receiver.url('/slack'), events: ['deployment.failed'] },
      { name: 'discord', type: 'discord', url: receiver.url('/discord'), events: ['deployment.succeeded'] },
      { name: 'off', type: 'slack', url: receiver.url('/off'), enabled: false },
      { name: 'health', type: 'webhook', url: receiver.url('/health'), events: ['deployment.health_failed'] },
    ]
    for (const c of channels) assert.equal((await t.call(root, 'POST', CHANNELS, c)).status, 201)
  })
  after(async () => {
    await t.close()
    await receiver.close()
    for (const p of projects) await removeProject(p)
  })

  async function service(name: string, compose: string) {
    const id = await createService(t, root, projectId, name, compose)
    projects.push(composeProjectName(id))
    return id
  }

  it('sends a failed deployment once to each matching channel, redacted, and nothing to the others', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const id = await service('api', CRASHING)
    await t.call(root, 'PUT', `/api/v1/services/${id}/env`, { API_TOKEN: { value: SECRET, secret: true } })
    const done = await waitForEnd(t, root, await deploy(t, root, id))
    assert.equal(done.status, 'failed')
    const [hook] = await waitFor(
      'the webhook message',
      async () => receiver.to('/hook').length > 0 && receiver.to('/hook'),
      20_000,
    )
    const [slack] = await waitFor(
      'the Slack message',
      async () => receiver.to('/slack').length > 0 && receiver.to('/slack'),
      20_000,
    )
    // Give a duplicate time to show up.
    await new Promise((r) => setTimeout(r, 1500))
    assert.equal(receiver.to('/hook').length, 1)
    assert.equal(receiver.to('/slack').length, 1)
    assert.equal(receiver.to('/discord').length, 0, 'a channel without deployment.failed gets nothing')
    assert.equal(receiver.to('/off').length, 0, 'a disabled channel gets nothing')

    assert.equal(hook!.signatureOk, true)
    assert.equal(hook!.body.event, 'deployment.failed')
    assert.equal(hook!.body.link, `https://berth.example.com/deployments/${done.deployment_uuid}`)
    assert.equal(hook!.body.deployment.resource.name, 'api')
    assert.equal(hook!.body.deployment.project, 'shop')
    assert.match(hook!.body.summary, /^Deployment of service api \(project shop\) failed its health check$/)
    const text: string = slack!.body.text
    assert.match(text, /Server: localhost/)
    assert.match(text, /Message: health check failed: container app-1/)
    assert.match(text, new RegExp(`Deployment: https://berth.example.com/deployments/${done.deployment_uuid}`))
    assert.match(text, /Last \d+ log lines:/)
    assert.match(text, /using token <REDACTED>/)
    const [health] = await waitFor(
      'the health gate message',
      async () => receiver.to('/health').length > 0 && receiver.to('/health'),
    )
    assert.equal(
      health!.body.event,
      'deployment.health_failed',
      'a channel asking for health gate failures gets that event',
    )
    for (const r of receiver.received) assert.ok(!r.raw.includes(SECRET), `the planted secret reached ${r.path}`)
  })

  it('says "recovered" for the first success after a failure, and "succeeded" to channels that ask for it', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const id = await service('worker', CRASHING)
    assert.equal((await waitForEnd(t, root, await deploy(t, root, id))).status, 'failed')
    const put = await t.call(root, 'PUT', `/api/v1/services/${id}/compose`, { yaml: STEADY, base_version: 1 })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    const good = await waitForEnd(t, root, await deploy(t, root, id))
    assert.equal(good.status, 'finished')
    const recovered = await waitFor(
      'the recovery message',
      async () => receiver.to('/hook').find((r) => r.body.event === 'deployment.recovered'),
      20_000,
    )
    assert.equal(recovered.body.deployment.id, good.deployment_uuid)
    assert.match(recovered.body.summary, /worker \(project shop\) succeeded again after failing/)
    const succeeded = await waitFor(
      'the success message',
      async () => receiver.to('/discord').find((r) => r.body.content.includes('worker')),
      20_000,
    )
    assert.match(succeeded.body.content, /^Deployment of service worker \(project shop\) succeeded/)
  })

  it('delivers the message of a failure committed just before Berth stopped once it starts again', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const id = await service('late', CRASHING)
    await t.app.notifier.stop()
    const done = await waitForEnd(t, root, await deploy(t, root, id))
    assert.equal(done.status, 'failed')
    const mine = (r: { body: any }) => r.body.deployment?.id === done.deployment_uuid
    assert.equal(receiver.to('/hook').filter(mine).length, 0)
    await t.server.close()
    await t.app.close()
    t = await startTestAppIn(t.dataDir)
    await waitFor('the message after the restart', async () => receiver.to('/hook').some(mine), 20_000)
    await new Promise((r) => setTimeout(r, 1500))
    assert.equal(receiver.to('/hook').filter(mine).length, 1, 'delivered once')
  })
})
