import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { TEST_IMAGE } from './support/docker.js'
import { createService } from './support/deploy-helpers.js'
import { startTestApp, type TestApp } from './support/harness.js'

type Message = { event: string; data: any }

/** Reads a Server-Sent Events response message by message. */
async function openStream(url: string, token: string) {
  const controller = new AbortController()
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal })
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  async function next(): Promise<Message> {
    for (;;) {
      const end = buffer.indexOf('\n\n')
      if (end >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        if (block.startsWith(':')) continue
        const field = (name: string) =>
          block
            .split('\n')
            .find((l) => l.startsWith(`${name}: `))
            ?.slice(name.length + 2)
        return { event: field('event') ?? 'message', data: JSON.parse(field('data') ?? 'null') }
      }
      const chunk = await reader.read()
      if (chunk.done) throw new Error('the stream ended')
      buffer += chunk.value
    }
  }
  return { response, next, close: () => controller.abort() }
}

describe('team event stream', () => {
  let t: TestApp
  let base: string

  before(async () => {
    t = await startTestApp()
    await t.server.listen({ host: '127.0.0.1', port: 0 })
    base = `http://127.0.0.1:${(t.server.server.address() as AddressInfo).port}`
  })
  after(async () => t.close())

  /** A team with a service on its own server that never runs anything (concurrency 0), so no Docker is needed. */
  async function teamWithService(team: string) {
    const token = await t.token(['read', 'write', 'deploy'], team)
    const projectId = (await t.call(token, 'POST', '/api/v1/projects', { name: 'events' })).body.uuid
    const serviceId = await createService(t, token, projectId, 'app', `services:\n  app:\n    image: ${TEST_IMAGE}\n`)
    const server = (
      await t.call(token, 'POST', '/api/v1/servers', { name: 'idle', docker_host: 'unix:///var/run/docker.sock' })
    ).body.uuid
    await t.app.db.updateTable('servers').set({ concurrency_limit: 0 }).where('id', '=', server).execute()
    assert.equal(
      (await t.call(token, 'PUT', `/api/v1/services/${serviceId}/server`, { server_uuid: server })).status,
      200,
    )
    return { token, serviceId }
  }

  it("sends the caller's team's deployment status changes and never another team's", async () => {
    const a = await teamWithService(`Events A ${Date.now()}`)
    const b = await teamWithService(`Events B ${Date.now()}`)
    const streamA = await openStream(`${base}/api/v1/events`, a.token)
    const streamB = await openStream(`${base}/api/v1/events`, b.token)
    try {
      assert.equal(streamA.response.status, 200)
      assert.match(streamA.response.headers.get('content-type') ?? '', /text\/event-stream/)
      // A stream takes the response over, past the hook that adds these to every other answer.
      assert.equal(streamA.response.headers.get('x-content-type-options'), 'nosniff')
      assert.match(streamA.response.headers.get('content-security-policy') ?? '', /default-src 'none'/)
      assert.equal((await streamA.next()).event, 'ready')
      assert.equal((await streamB.next()).event, 'ready')

      const queuedA = (await t.call(a.token, 'POST', '/api/v1/deploy', { uuid: a.serviceId })).body.deployments[0]
        .deployment_uuid
      assert.deepEqual(await streamA.next(), {
        event: 'deployment',
        data: { deployment_uuid: queuedA, resource_uuid: a.serviceId, resource_type: 'service', status: 'queued' },
      })
      assert.equal((await t.call(a.token, 'POST', `/api/v1/deployments/${queuedA}/cancel`)).status, 202)
      assert.deepEqual((await streamA.next()).data, {
        deployment_uuid: queuedA,
        resource_uuid: a.serviceId,
        resource_type: 'service',
        status: 'cancelled-by-user',
      })

      // Team B's first message is about its own deployment: nothing of team A's came before it.
      const queuedB = (await t.call(b.token, 'POST', '/api/v1/deploy', { uuid: b.serviceId })).body.deployments[0]
        .deployment_uuid
      assert.deepEqual((await streamB.next()).data, {
        deployment_uuid: queuedB,
        resource_uuid: b.serviceId,
        resource_type: 'service',
        status: 'queued',
      })
    } finally {
      streamA.close()
      streamB.close()
    }
  })

  it('lists the whole team history with scope=all, where the default lists only queued and running', async () => {
    const a = await teamWithService(`History ${Date.now()}`)
    const ended = (await t.call(a.token, 'POST', '/api/v1/deploy', { uuid: a.serviceId })).body.deployments[0]
      .deployment_uuid
    await t.call(a.token, 'POST', `/api/v1/deployments/${ended}/cancel`)
    const waiting = (await t.call(a.token, 'POST', '/api/v1/deploy', { uuid: a.serviceId })).body.deployments[0]
      .deployment_uuid
    const active = (await t.call(a.token, 'GET', '/api/v1/deployments')).body
    assert.deepEqual(
      active.deployments.map((d: any) => d.deployment_uuid),
      [waiting],
    )
    const all = (await t.call(a.token, 'GET', '/api/v1/deployments?scope=all&take=1')).body
    assert.equal(all.count, 2)
    assert.deepEqual(
      all.deployments.map((d: any) => d.deployment_uuid),
      [waiting],
    )
    const older = (await t.call(a.token, 'GET', '/api/v1/deployments?scope=all&skip=1&take=1')).body
    assert.deepEqual(
      older.deployments.map((d: any) => [d.deployment_uuid, d.status]),
      [[ended, 'cancelled-by-user']],
    )
  })

  it('refuses a caller without a token', async () => {
    assert.equal((await t.call(undefined, 'GET', '/api/v1/events')).status, 401)
  })
})
