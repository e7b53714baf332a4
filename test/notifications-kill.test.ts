import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { bearerApi, startServer } from './support/cli.js'
import { freePort, waitFor } from './support/docker.js'
import { startReceiver } from './support/notify-receiver.js'
import { leftovers, prepareServerDataDir } from './support/server-setup.js'

// A real `berth serve` killed with SIGKILL after a notification was committed and before it was
// delivered (its receiver was down, so the message waits for its retry): the restarted process
// delivers it, once.
describe('kill -9 of berth serve between commit and delivery', () => {
  const made = leftovers()
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined
  after(async () => {
    await receiver?.close()
    await made.cleanUp()
  })

  it('delivers the message once after the restart, with both attempts in the delivery log', async () => {
    const dataDir = made.dataDir('berth-notify-kill-')
    const { env, token } = await prepareServerDataDir(dataDir, ['root'])
    const port = await freePort()
    const first = await startServer(env)
    const api = bearerApi(first.url, token)
    const channel = await api('POST', '/notifications/channels', {
      name: 'kill',
      type: 'slack',
      url: `http://127.0.0.1:${port}/hook`,
    })
    assert.equal(channel.status, 201, JSON.stringify(channel.body))
    assert.equal((await api('POST', `/notifications/channels/${channel.body.id}/test`)).status, 202)
    await waitFor('the first, refused attempt', async () => {
      const row = (await api('GET', '/notifications/deliveries')).body.deliveries[0]
      return row?.attempts === 1 && row.status === 'pending'
    })
    first.child.kill('SIGKILL')
    await new Promise((resolve) => first.child.once('exit', resolve))

    receiver = await startReceiver(port)
    const second = await startServer(env)
    try {
      const again = bearerApi(second.url, token)
      const row = await waitFor(
        'the delivery after the restart',
        async () => {
          const r = (await again('GET', '/notifications/deliveries')).body.deliveries[0]
          return r?.status === 'delivered' && r
        },
        30_000,
      )
      assert.deepEqual(
        row.log.map((a: { ok: boolean }) => a.ok),
        [false, true],
      )
      await new Promise((r) => setTimeout(r, 1500))
      assert.equal(receiver.to('/hook').length, 1, 'delivered once')
      assert.match(receiver.to('/hook')[0]!.body.text, /^Test notification for channel kill/)
    } finally {
      await second.stop()
    }
  })
})
