import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { requireDocker, waitFor } from './support/docker.js'
import { startTestApp, startTestAppIn, type TestApp } from './support/harness.js'
import { startReceiver } from './support/notify-receiver.js'

const INSTANCE_CHANNELS = '/api/v1/instance/notifications/channels'

describe('instance channels and server reachability', () => {
  let t: TestApp
  let admin: string
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  let sockDir: string

  before(async () => {
    receiver = await startReceiver()
    sockDir = mkdtempSync(join(tmpdir(), 'berth-notify-sock-'))
    t = await startTestApp({ BERTH_NOTIFICATION_GROUP_SECONDS: '0' })
    admin = await t.token(['root', 'instance'])
  })
  after(async () => {
    await t.close()
    await receiver.close()
    rmSync(sockDir, { recursive: true, force: true })
  })

  it('keeps instance channels apart from the team and for instance administrators only', async () => {
    const created = await t.call(admin, 'POST', INSTANCE_CHANNELS, {
      name: 'ops',
      type: 'slack',
      url: receiver.url('/instance'),
      events: ['server.unreachable', 'server.back'],
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const teamList = await t.call(admin, 'GET', '/api/v1/notifications/channels')
    assert.deepEqual(teamList.body.channels, [], "an instance channel is not one of the team's")
    const owner = await t.token(['root'])
    assert.equal((await t.call(owner, 'GET', INSTANCE_CHANNELS)).status, 403)
    const rule = await t.call(admin, 'PATCH', `${INSTANCE_CHANNELS}/${created.body.id}`, {
      project_ids: ['00000000-0000-4000-8000-000000000001'],
    })
    assert.equal(rule.status, 422, 'instance channels hear no project')
  })

  it('tells the instance and the owning team when a server stops answering and when it is back', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const team = await t.call(admin, 'POST', '/api/v1/notifications/channels', {
      name: 'team-servers',
      type: 'slack',
      url: receiver.url('/team'),
      events: ['server.unreachable', 'server.back'],
    })
    assert.equal(team.status, 201, JSON.stringify(team.body))
    // A server whose socket is missing: unreachable until the test links the real engine there.
    const socket = join(sockDir, 'docker.sock')
    const server = await t.call(admin, 'POST', '/api/v1/servers', { name: 'edge-9', docker_host: `unix://${socket}` })
    assert.equal(server.status, 201, JSON.stringify(server.body))
    const down = await t.call(admin, 'POST', `/api/v1/servers/${server.body.uuid}/check`)
    assert.equal(down.body.reachable, false)
    for (const path of ['/instance', '/team']) {
      const [msg] = await waitFor(`the ${path} message`, async () => receiver.to(path).length > 0 && receiver.to(path))
      assert.match(msg!.body.text, /^Server edge-9 is unreachable/)
    }
    await t.call(admin, 'POST', `/api/v1/servers/${server.body.uuid}/check`)
    symlinkSync('/var/run/docker.sock', socket)
    const up = await t.call(admin, 'POST', `/api/v1/servers/${server.body.uuid}/check`)
    assert.equal(up.body.reachable, true, JSON.stringify(up.body))
    const back = await waitFor('the back message', async () =>
      receiver.to('/instance').find((r) => /answers again/.test(r.body.text)),
    )
    assert.match(back.body.text, /^Server edge-9 answers again/)
    assert.equal(receiver.to('/instance').length, 2, 'a second failed check of a server already down says nothing')
    const log = await t.call(admin, 'GET', '/api/v1/instance/notifications/deliveries')
    assert.equal(log.status, 200)
    assert.ok(log.body.deliveries.length >= 2)
  })

  it('reports a server change once across Berth processes and restarts', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const socket = join(sockDir, 'docker-2.sock')
    const server = await t.call(admin, 'POST', '/api/v1/servers', { name: 'edge-10', docker_host: `unix://${socket}` })
    const about = () => receiver.to('/instance').filter((r) => /edge-10/.test(r.body.text))
    await t.call(admin, 'POST', `/api/v1/servers/${server.body.uuid}/check`)
    await waitFor('the unreachable message', async () => about().length === 1)
    // A second process on the same database (or this one restarted) checks it for the first time.
    const second = await startTestAppIn(t.dataDir, { BERTH_NOTIFICATION_GROUP_SECONDS: '0' })
    try {
      const other = await second.token(['root', 'instance'])
      assert.equal(
        (await second.call(other, 'POST', `/api/v1/servers/${server.body.uuid}/check`)).body.reachable,
        false,
      )
      symlinkSync('/var/run/docker.sock', socket)
      assert.equal((await second.call(other, 'POST', `/api/v1/servers/${server.body.uuid}/check`)).body.reachable, true)
      await waitFor('the back message', async () => about().length === 2)
      // The first process now sees it back too: already reported.
      assert.equal((await t.call(admin, 'POST', `/api/v1/servers/${server.body.uuid}/check`)).body.reachable, true)
      await new Promise((resolve) => setTimeout(resolve, 1500))
      assert.deepEqual(
        about().map((r) => r.body.text.split('\n')[0]),
        ['Server edge-10 is unreachable', 'Server edge-10 answers again'],
      )
    } finally {
      await second.server.close()
      await second.app.close()
    }
  })

  it('tells the instance when the proxy sync fails, works again, and repairs drift', async () => {
    const ch = await t.call(admin, 'POST', INSTANCE_CHANNELS, {
      name: 'proxy',
      type: 'slack',
      url: receiver.url('/proxy'),
      events: ['proxy.sync_failed', 'proxy.sync_recovered', 'proxy.drift_repaired'],
    })
    assert.equal(ch.status, 201, JSON.stringify(ch.body))
    const proxyDir = t.app.config.proxyDir
    await t.call(admin, 'PUT', '/api/v1/settings', { letsencrypt_email: 'ops@example.com' })
    await t.app.proxySync.runNow()
    const traefik = join(proxyDir, 'static/traefik.yml')
    const good = readFileSync(traefik, 'utf8')
    writeFileSync(traefik, `${good}\n# changed by hand\n`)
    await t.app.proxySync.runNow()
    const drift = await waitFor('the drift message', async () =>
      receiver.to('/proxy').find((r) => /repaired/.test(r.body.text)),
    )
    assert.match(drift.body.text, /static\/traefik\.yml/)

    // The static folder replaced by a file: no run can write there until it is a folder again.
    rmSync(join(proxyDir, 'static'), { recursive: true })
    writeFileSync(join(proxyDir, 'static'), 'not a folder')
    assert.ok((await t.app.proxySync.runNow()).error, 'the run failed')
    await t.app.proxySync.runNow()
    rmSync(join(proxyDir, 'static'))
    mkdirSync(join(proxyDir, 'static'))
    assert.equal((await t.app.proxySync.runNow()).error, null)
    await waitFor('the recovery message', async () =>
      receiver.to('/proxy').some((r) => /works again/.test(r.body.text)),
    )
    const failed = receiver.to('/proxy').filter((r) => /sync failed/.test(r.body.text))
    assert.equal(failed.length, 1, 'two failed runs in a row make one message')
  })
})
