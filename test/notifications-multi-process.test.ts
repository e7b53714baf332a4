import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { waitFor } from './support/docker.js'
import { TEST_DIALECT } from './support/dialect.js'
import { startTestApp, startTestAppIn, type TestApp } from './support/harness.js'
import { startReceiver } from './support/notify-receiver.js'

// Two Berth instances (own data dirs, so own worker ids) on one PostgreSQL database, both running
// the delivery worker: every queued message reaches the receiver exactly once.
const skip = TEST_DIALECT === 'postgres' ? false : 'PostgreSQL-specific: two Berth processes share one database'

describe('notification delivery with two Berth instances on one PostgreSQL', { skip }, () => {
  let a: TestApp
  let b: TestApp
  let receiver: Awaited<ReturnType<typeof startReceiver>>

  before(async () => {
    receiver = await startReceiver()
    a = await startTestApp()
    b = await startTestAppIn(mkdtempSync(join(tmpdir(), 'berth-test-')), {
      DATABASE_URL: a.app.config.database.dialect === 'postgres' ? a.app.config.database.url : '',
      BERTH_APP_KEY: readKey(a),
    })
  })
  after(async () => {
    await b?.close()
    await a?.close()
    await receiver?.close()
  })

  it('delivers each of 40 messages once while both workers claim', async () => {
    const owner = await a.token(['root'])
    const channels: string[] = []
    for (const n of [1, 2, 3, 4]) {
      const res = await a.call(owner, 'POST', '/api/v1/notifications/channels', {
        name: `c${n}`,
        type: 'webhook',
        url: receiver.url(`/c${n}`),
      })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      channels.push(res.body.id)
    }
    // Queue through both processes so both workers are awake.
    const sent: string[] = []
    for (let i = 0; i < 10; i++)
      for (const [k, id] of channels.entries()) {
        const via = k % 2 === 0 ? a : b
        const res = await via.call(owner, 'POST', `/api/v1/notifications/channels/${id}/test`)
        assert.equal(res.status, 202, JSON.stringify(res.body))
        sent.push(res.body.notification_id)
      }
    await waitFor('all 40 messages', async () => receiver.received.length >= 40, 30_000)
    await new Promise((r) => setTimeout(r, 2000))
    const ids = receiver.received.map((r) => String(r.headers['x-berth-delivery']))
    assert.equal(receiver.received.length, 40, 'no message twice')
    assert.deepEqual([...ids].sort(), [...sent].sort())
    const page = (await a.call(owner, 'GET', '/api/v1/notifications/deliveries?take=100')).body
    assert.equal(page.total, 40)
    assert.ok(page.deliveries.every((d: any) => d.status === 'delivered' && d.attempts === 1))
  })
})

/** The app key of an instance, so a second one on the same database can decrypt the channels. */
function readKey(t: TestApp): string {
  return readFileSync(join(t.dataDir, 'app.key'), 'utf8').trim()
}
