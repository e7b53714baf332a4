// server.disk_low: the monitor reads the free space of the disk under the engine's data directory
// (statfs for a local engine, `df -P` over the server's ssh connection for an ssh:// one) and tells the instance's channels once when it falls under BERTH_DISK_LOW_PERCENT.
// No disk can be filled here for the test, so the threshold moves instead: 100% makes the real disk
// low, 0% never.
import assert from 'node:assert/strict'
import { statfsSync } from 'node:fs'
import { after, describe, it } from 'node:test'
import { docker, requireDocker, waitFor } from './support/docker.js'
import { startTestApp, type TestApp } from './support/harness.js'
import { startReceiver } from './support/notify-receiver.js'
import { requireSshd, startSshd, type TestSshd } from './support/sshd.js'

const INSTANCE_CHANNELS = '/api/v1/instance/notifications/channels'

describe('a server low on disk space', () => {
  const apps: TestApp[] = []
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined
  let sshd: TestSshd | undefined
  after(async () => {
    for (const app of apps) await app.close()
    await receiver?.close()
    await sshd?.stop()
  })

  /**
   * A Berth with this threshold, an instance channel for disk_low at `path`, and a server on the
   * local engine added after the channel (the default server's first check ran at start, before it).
   */
  async function berthWithThreshold(
    percent: string,
    path: string,
    target: { docker_host: string; private_key?: string } = { docker_host: 'unix:///var/run/docker.sock' },
  ) {
    const t = await startTestApp({ BERTH_DISK_LOW_PERCENT: percent, BERTH_NOTIFICATION_GROUP_SECONDS: '0' })
    apps.push(t)
    const admin = await t.token(['root', 'instance'])
    const channel = await t.call(admin, 'POST', INSTANCE_CHANNELS, {
      name: 'ops',
      type: 'webhook',
      url: receiver!.url(path),
      events: ['server.disk_low'],
    })
    assert.equal(channel.status, 201, JSON.stringify(channel.body))
    const server = await t.call(admin, 'POST', '/api/v1/servers', {
      name: 'edge-disk',
      ...target,
    })
    assert.equal(server.status, 201, JSON.stringify(server.body))
    return { t, admin, serverId: server.body.uuid }
  }

  it("shows the engine disk's free space and tells the instance once when it is under the threshold", async (ctx) => {
    if (!(await requireDocker(ctx))) return
    receiver = await startReceiver()
    const { t, admin, serverId } = await berthWithThreshold('100', '/low')
    const check = await t.call(admin, 'POST', `/api/v1/servers/${serverId}/check`)
    assert.equal(check.status, 200, JSON.stringify(check.body))
    const rootDir = (await docker(['info', '--format', '{{.DockerRootDir}}'])).stdout.trim()
    const fs = statfsSync(rootDir)
    assert.equal(check.body.disk.total_bytes, fs.blocks * fs.bsize, 'the size of the disk under the engine')
    assert.ok(check.body.disk.free_bytes > 0 && check.body.disk.free_bytes < check.body.disk.total_bytes)

    const [message] = await waitFor(
      'the disk_low message',
      async () => receiver!.to('/low').length > 0 && receiver!.to('/low'),
    )
    assert.equal(message!.body.event, 'server.disk_low')
    assert.match(message!.body.summary, /^Server edge-disk is low on disk space: \d+\.\d% free$/)
    assert.match(message!.body.text, /Free: [\d.]+ GiB of [\d.]+ GiB/)

    // Still low at the next check: the same episode, no second message.
    await t.call(admin, 'POST', `/api/v1/servers/${serverId}/check`)
    await new Promise((r) => setTimeout(r, 1500))
    assert.equal(receiver!.to('/low').length, 1, 'one message per episode')
    const deliveries = (await t.call(admin, 'GET', '/api/v1/instance/notifications/deliveries')).body.deliveries
    assert.equal(deliveries.filter((d: any) => d.event === 'server.disk_low').length, 1)
  })

  it('says nothing while the free space stays above the threshold', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    receiver ??= await startReceiver()
    const { t, admin, serverId } = await berthWithThreshold('0', '/fine')
    const check = await t.call(admin, 'POST', `/api/v1/servers/${serverId}/check`)
    assert.ok(check.body.disk.free_bytes > 0)
    await new Promise((r) => setTimeout(r, 1500))
    assert.deepEqual(receiver!.to('/fine'), [])
  })

  it('reads the disk of an engine reached over ssh:// through that connection, and tells the instance once', async (ctx) => {
    if (!(await requireDocker(ctx)) || !requireSshd(ctx)) return
    receiver ??= await startReceiver()
    sshd = await startSshd()
    // The sshd runs on this machine, so the remote engine is the local one: its disk is known here.
    const { t, admin, serverId } = await berthWithThreshold('100', '/remote-low', {
      docker_host: `ssh://root@127.0.0.1:${sshd.port}`,
      private_key: sshd.privateKey,
    })
    const check = await t.call(admin, 'POST', `/api/v1/servers/${serverId}/check`)
    assert.equal(check.status, 200, JSON.stringify(check.body))
    assert.equal(check.body.reachable, true, JSON.stringify(check.body))
    const rootDir = (await docker(['info', '--format', '{{.DockerRootDir}}'])).stdout.trim()
    const fs = statfsSync(rootDir)
    // df counts in KiB blocks: the same disk within a block.
    assert.ok(
      Math.abs(check.body.disk.total_bytes - fs.blocks * fs.bsize) < 1024 * 1024,
      JSON.stringify(check.body.disk),
    )
    assert.ok(check.body.disk.free_bytes > 0 && check.body.disk.free_bytes < check.body.disk.total_bytes)
    assert.ok(check.body.load.cpus >= 1 && check.body.load.one >= 0, JSON.stringify(check.body.load))

    const [message] = await waitFor(
      'the disk_low message of the ssh:// server',
      async () => receiver!.to('/remote-low').length > 0 && receiver!.to('/remote-low'),
    )
    assert.equal(message!.body.event, 'server.disk_low')
    assert.match(message!.body.summary, /^Server edge-disk is low on disk space: \d+\.\d% free$/)
    await t.call(admin, 'POST', `/api/v1/servers/${serverId}/check`)
    await new Promise((r) => setTimeout(r, 1500))
    assert.equal(receiver!.to('/remote-low').length, 1, 'one message per episode')

    const dashboard = await t.call(admin, 'GET', '/api/v1/dashboard')
    const shown = dashboard.body.servers.find((s: any) => s.uuid === serverId)
    assert.ok(shown.disk.total_bytes > 0, 'the dashboard shows the remote disk')
  })
})
