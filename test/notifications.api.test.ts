import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { freePort, waitFor } from './support/docker.js'
import { startTestApp, startTestAppIn, type TestApp } from './support/harness.js'
import { startReceiver } from './support/notify-receiver.js'

const CHANNELS = '/api/v1/notifications/channels'

describe('notification channels, test messages and the delivery log', () => {
  let t: TestApp
  let owner: string
  let receiver: Awaited<ReturnType<typeof startReceiver>>

  before(async () => {
    receiver = await startReceiver()
    t = await startTestApp({ BERTH_PUBLIC_URL: 'https://berth.example.com/' })
    owner = await t.token(['root'])
  })
  after(async () => {
    await t.close()
    await receiver.close()
  })

  async function create(body: Record<string, unknown>) {
    const res = await t.call(owner, 'POST', CHANNELS, body)
    assert.equal(res.status, 201, JSON.stringify(res.body))
    return res.body
  }

  async function deliveredTo(path: string, count = 1) {
    return waitFor(
      `${count} message(s) at ${path}`,
      async () => receiver.to(path).length >= count && receiver.to(path),
      20_000,
    )
  }

  it('stores the URL and secret encrypted, answers them masked, and keeps them out of the audit log', async () => {
    const secret = 'whsec-test-0123456789abcdef'
    const ch = await create({ name: 'ops', type: 'webhook', url: receiver.url('/hook/tok-SECRET-1'), secret })
    assert.equal(ch.url, `${new URL(receiver.url('/')).origin.replace(/\/$/, '')}/…`)
    assert.equal(ch.has_secret, true)
    assert.equal(ch.signing_secret, undefined, 'a secret the caller chose is not echoed')
    assert.deepEqual(ch.events, ['deployment.failed', 'deployment.recovered'])
    const generated = await create({ name: 'gen', type: 'webhook', url: receiver.url('/hook/gen') })
    assert.match(generated.signing_secret, /^whsec_/)

    const list = await t.call(owner, 'GET', CHANNELS)
    const text = JSON.stringify(list.body)
    assert.ok(!text.includes('tok-SECRET-1') && !text.includes(secret) && !text.includes(generated.signing_secret))
    const viewer = await t.token(['read'])
    assert.equal((await t.call(viewer, 'GET', CHANNELS)).status, 200)
    assert.equal(
      (await t.call(viewer, 'POST', CHANNELS, { name: 'x', type: 'slack', url: receiver.url('/x') })).status,
      403,
    )

    const rows = await t.app.db.selectFrom('notification_channels').select('config').execute()
    for (const row of rows) assert.match(row.config, /^enc:v1:/)
    assert.ok(!JSON.stringify(rows).includes('tok-SECRET-1'))

    const patched = await t.call(owner, 'PATCH', `${CHANNELS}/${ch.id}`, {
      url: receiver.url('/hook/tok-SECRET-2'),
      events: ['deployment.failed'],
    })
    assert.equal(patched.status, 200, JSON.stringify(patched.body))
    assert.deepEqual(patched.body.events, ['deployment.failed'])
    const listed = (await t.call(owner, 'GET', CHANNELS)).body.channels.find((c: { id: string }) => c.id === ch.id)
    assert.deepEqual(patched.body, listed, 'the answer to a change is the channel as stored')
    const dup = await t.call(owner, 'PATCH', `${CHANNELS}/${ch.id}`, { name: 'gen' })
    assert.equal(dup.status, 409)
    const audit = await t.call(owner, 'GET', '/api/v1/audit?action=notification_channel.*')
    assert.ok(audit.body.items.length >= 3)
    const auditText = JSON.stringify(audit.body)
    assert.ok(
      !auditText.includes('tok-SECRET') && !auditText.includes(secret),
      'no URL token or secret in audit details',
    )
    assert.equal((await t.call(owner, 'DELETE', `${CHANNELS}/${generated.id}`)).status, 204)
    assert.equal((await t.call(owner, 'DELETE', `${CHANNELS}/${generated.id}`)).status, 404)
  })

  it('delivers a test message signed to a generic webhook, and as {text} / {content} to Slack and Discord', async () => {
    const secret = 'whsec-signing-secret-abcdef'
    receiver.expectSecret('/t/webhook', secret)
    const hook = await create({ name: 'signed', type: 'webhook', url: receiver.url('/t/webhook'), secret })
    const slack = await create({ name: 'slack', type: 'slack', url: receiver.url('/t/slack') })
    const discord = await create({ name: 'discord', type: 'discord', url: receiver.url('/t/discord') })
    for (const c of [hook, slack, discord]) {
      const res = await t.call(owner, 'POST', `${CHANNELS}/${c.id}/test`)
      assert.equal(res.status, 202, JSON.stringify(res.body))
    }
    const [signed] = await deliveredTo('/t/webhook')
    assert.equal(signed!.signatureOk, true, 'the receiver verified the HMAC signature')
    assert.equal(signed!.body.event, 'test')
    assert.equal(signed!.headers['x-berth-event'], 'test')
    assert.equal(signed!.body.link, 'https://berth.example.com/team/notifications')
    const [s] = await deliveredTo('/t/slack')
    assert.match(s!.body.text, /^Test notification for channel slack/)
    assert.deepEqual(Object.keys(s!.body), ['text'])
    const [d] = await deliveredTo('/t/discord')
    assert.deepEqual(Object.keys(d!.body), ['content'])
    assert.equal(s!.headers['x-berth-signature'], undefined)

    const log = await waitFor('the delivery log to show it delivered', async () => {
      const page = (await t.call(owner, 'GET', '/api/v1/notifications/deliveries?take=3')).body
      return page.deliveries.every((x: any) => x.status === 'delivered') && page
    })
    assert.equal(log.deliveries.length, 3)
    assert.equal(log.deliveries[0].channel_name, 'discord', 'newest first')
    assert.deepEqual(
      log.deliveries[0].log.map((a: any) => [a.attempt, a.ok, a.status_code]),
      [[1, true, 200]],
    )
  })

  it('retries a receiver answering 500 with backoff and logs every attempt until it succeeds', async () => {
    receiver.answer('/t/flaky', [500])
    const ch = await create({ name: 'flaky', type: 'slack', url: receiver.url('/t/flaky/tok-FLAKY') })
    receiver.answer('/t/flaky/tok-FLAKY', [500])
    await t.call(owner, 'POST', `${CHANNELS}/${ch.id}/test`)
    const first = await waitFor('the first failed attempt', async () => {
      const page = (await t.call(owner, 'GET', '/api/v1/notifications/deliveries')).body
      const row = page.deliveries.find((x: any) => x.channel_id === ch.id)
      return row?.attempts === 1 && row
    })
    assert.equal(first.status, 'pending')
    assert.equal(first.last_status_code, 500)
    assert.equal(first.last_error, 'HTTP 500', 'the answer body is not kept (a channel may point inside the network)')
    const retryIn = Date.parse(first.next_attempt_at) - Date.parse(first.log[0].at)
    assert.equal(retryIn, 5000, 'the second attempt waits 5 s')
    const done = await waitFor(
      'the retry to succeed',
      async () => {
        const page = (await t.call(owner, 'GET', '/api/v1/notifications/deliveries')).body
        const row = page.deliveries.find((x: any) => x.channel_id === ch.id)
        return row?.status === 'delivered' && row
      },
      20_000,
    )
    assert.deepEqual(
      done.log.map((a: any) => [a.attempt, a.ok, a.status_code]),
      [
        [1, false, 500],
        [2, true, 200],
      ],
    )
    assert.equal(receiver.to('/t/flaky/tok-FLAKY').length, 2)
    assert.ok(!JSON.stringify(done).includes('tok-FLAKY'), 'the delivery log never shows the URL')
  })

  it('records an unreachable receiver without its URL token', async () => {
    const ch = await create({
      name: 'down',
      type: 'discord',
      url: `http://127.0.0.1:${await freePort()}/api/webhooks/1/tok-DOWN`,
    })
    await t.call(owner, 'POST', `${CHANNELS}/${ch.id}/test`)
    const row = await waitFor('the failed attempt', async () => {
      const page = (await t.call(owner, 'GET', '/api/v1/notifications/deliveries')).body
      const r = page.deliveries.find((x: any) => x.channel_id === ch.id)
      return r?.attempts === 1 && r
    })
    assert.equal(row.last_status_code, null)
    assert.match(row.last_error, /ECONNREFUSED/)
    assert.ok(!JSON.stringify(row).includes('tok-DOWN'))
  })

  it('delivers a message committed while delivery was stopped once Berth starts again', async () => {
    const ch = await create({ name: 'restart', type: 'slack', url: receiver.url('/t/restart') })
    await t.app.notifier.stop()
    assert.equal((await t.call(owner, 'POST', `${CHANNELS}/${ch.id}/test`)).status, 202)
    await new Promise((r) => setTimeout(r, 1500))
    assert.equal(receiver.to('/t/restart').length, 0, 'nothing is sent while delivery is stopped')
    // "Kill" Berth between the commit and the delivery: the row is all that is left.
    await t.server.close()
    await t.app.close()
    t = await startTestAppIn(t.dataDir)
    const [got] = await deliveredTo('/t/restart')
    assert.match(got!.body.text, /^Test notification for channel restart/)
    await new Promise((r) => setTimeout(r, 1500))
    assert.equal(receiver.to('/t/restart').length, 1, 'delivered once')
  })
})
