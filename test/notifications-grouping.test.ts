import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Fact } from '../src/notifications/notifications.service.js'
import { waitFor } from './support/docker.js'
import { startTestApp, type TestApp } from './support/harness.js'
import { startReceiver } from './support/notify-receiver.js'

const CHANNELS = '/api/v1/notifications/channels'
const GROUP_SECONDS = 2

describe('storm grouping and project rules', () => {
  let t: TestApp
  let owner: string
  let teamId: string
  let receiver: Awaited<ReturnType<typeof startReceiver>>

  before(async () => {
    receiver = await startReceiver()
    t = await startTestApp({ BERTH_NOTIFICATION_GROUP_SECONDS: String(GROUP_SECONDS) })
    owner = await t.token(['root'])
    teamId = (await t.call(owner, 'GET', '/api/v1/me')).body.team_id
  })
  after(async () => {
    await t.close()
    await receiver.close()
  })

  const fact = (over: Partial<Fact>): Fact => ({
    teamId,
    event: 'server.unreachable',
    projectId: null,
    resourceKey: 'server:s-1',
    summary: 'Server edge-1 is unreachable',
    details: [],
    path: '/servers',
    ...over,
  })
  /** Records a fact the way the capability that owns it does: inside its own transaction. */
  const record = (f: Fact) => t.app.db.transaction().execute((trx) => t.app.notifications.notify(trx, f))

  it('sends the first of a storm at once and folds the rest of the window into one later message', async () => {
    const ch = await t.call(owner, 'POST', CHANNELS, {
      name: 'storm',
      type: 'slack',
      url: receiver.url('/storm'),
      events: ['server.unreachable', 'server.back'],
    })
    assert.equal(ch.status, 201, JSON.stringify(ch.body))
    await record(fact({ summary: 'event 1' }))
    await waitFor('the first message', async () => receiver.to('/storm').length === 1, 10_000)
    for (const n of [2, 3, 4, 5]) await record(fact({ summary: `event ${n}` }))
    // Another resource is not held back by this one's storm.
    await record(fact({ resourceKey: 'server:s-2', summary: 'other server' }))
    await waitFor('the other resource', async () => receiver.to('/storm').some((r) => r.body.text.startsWith('other')))
    assert.equal(receiver.to('/storm').length, 2, 'the storm waits out its window')
    const [, , grouped] = await waitFor(
      'the grouped message',
      async () => receiver.to('/storm').length >= 3 && receiver.to('/storm'),
      10_000,
    )
    assert.match(grouped!.body.text, /^event 5/, 'the grouped message carries the newest event')
    assert.match(grouped!.body.text, /3 more events of this resource since the last message/)
    const first = receiver.to('/storm')[0]!
    assert.ok(grouped!.at - first.at >= GROUP_SECONDS * 1000, 'not before the window after the first one ended')
    await new Promise((r) => setTimeout(r, GROUP_SECONDS * 1000 + 1500))
    assert.equal(receiver.to('/storm').length, 3, 'four events after the first made one message')
  })

  it('hears only the projects a rule names, and refuses a project of another team', async () => {
    const shop = (await t.call(owner, 'POST', '/api/v1/projects', { name: 'shop' })).body.uuid
    const blog = (await t.call(owner, 'POST', '/api/v1/projects', { name: 'blog' })).body.uuid
    const ch = await t.call(owner, 'POST', CHANNELS, {
      name: 'shop-only',
      type: 'slack',
      url: receiver.url('/shop-only'),
      events: ['deployment.cancelled'],
      project_ids: [shop],
    })
    assert.equal(ch.status, 201, JSON.stringify(ch.body))
    assert.deepEqual(ch.body.project_ids, [shop])
    const f = { event: 'deployment.cancelled' as const, resourceKey: null }
    await record(fact({ ...f, projectId: blog, summary: 'blog thing' }))
    await record(fact({ ...f, projectId: null, summary: 'no project' }))
    await record(fact({ ...f, projectId: shop, summary: 'shop thing' }))
    const [got] = await waitFor(
      'the shop message',
      async () => receiver.to('/shop-only').length > 0 && receiver.to('/shop-only'),
    )
    assert.match(got!.body.text, /^shop thing/)
    await new Promise((r) => setTimeout(r, 1500))
    assert.equal(receiver.to('/shop-only').length, 1, 'nothing about other projects or none')

    const other = await t.token(['root'], 'other')
    const foreign = (await t.call(other, 'POST', '/api/v1/projects', { name: 'theirs' })).body.uuid
    const refused = await t.call(owner, 'PATCH', `${CHANNELS}/${ch.body.id}`, { project_ids: [foreign] })
    assert.equal(refused.status, 422, JSON.stringify(refused.body))
    assert.equal(refused.body.error.code, 'unknown_project')
    const all = await t.call(owner, 'PATCH', `${CHANNELS}/${ch.body.id}`, { project_ids: null })
    assert.equal(all.body.project_ids, null)
  })
})
