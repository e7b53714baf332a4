// A real `berth serve` killed with SIGKILL while a backup runs (its S3 destination accepts the
// upload and never answers, so the run stays in progress): the restarted process marks the run
// failed with a line saying why and sends backup.failed, instead of leaving it in progress forever.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { INTERRUPTED_RUN } from '../src/database-backups/recovery.js'
import { bearerApi, startServer } from './support/cli.js'
import { deployedRedis } from './support/db-backups.js'
import { requireDocker, waitFor } from './support/docker.js'
import { startReceiver } from './support/notify-receiver.js'
import { startS3 } from './support/s3.js'
import { leftovers, prepareServerDataDir } from './support/server-setup.js'

/** An S3 endpoint that reads requests and never answers them: a backup to it runs until stopped. */
async function silentS3(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server: Server = createServer((req) => req.resume())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

describe('a backup run whose Berth was killed', () => {
  const made = leftovers()
  const closers: (() => Promise<void>)[] = []
  after(async () => {
    for (const close of closers) await close()
    await made.cleanUp()
  })

  it('is marked failed with "Berth stopped during this run" and notified when Berth starts again', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const dataDir = made.dataDir('berth-backup-kill-')
    const { env, token } = await prepareServerDataDir(dataDir, ['root'])
    const [receiver, s3, silent] = await Promise.all([startReceiver(), startS3(), silentS3()])
    closers.push(receiver.close, s3.close, silent.close)
    const first = await startServer(env)
    closers.push(first.stop)
    const api = bearerApi(first.url, token)
    await api('POST', '/notifications/channels', {
      name: 'backups',
      type: 'webhook',
      url: receiver.url('/backups'),
      events: ['backup.failed'],
    })
    const projectId = (await api('POST', '/projects', { name: 'killed' })).body.uuid
    const database = await deployedRedis(api, projectId, 'cache')
    made.project(composeProjectName(database))
    const destination = (
      await api('POST', '/backup-destinations', s3.destination('hangs', { endpoint: silent.endpoint }))
    ).body.id
    const queued = await api('POST', `/databases/${database}/backups`, { destination_id: destination })
    assert.equal(queued.status, 202, JSON.stringify(queued.body))
    const runId = queued.body.id
    // The live log shows the run's progress while it runs (the stream stays open: it has not ended).
    const live = await fetch(`${first.url}/api/v1/backup-runs/${runId}/log/stream`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(20_000),
    })
    let streamed = ''
    for await (const chunk of live.body!) {
      streamed += Buffer.from(chunk).toString()
      if (streamed.includes('Dumping redis database cache')) break
    }
    assert.doesNotMatch(streamed, /event: end/)

    first.child.kill('SIGKILL')
    await new Promise((resolve) => first.child.once('exit', resolve))
    const second = await startServer(env)
    closers.push(second.stop)
    const again = bearerApi(second.url, token)
    // Recovered at start: the run is failed by the time the new process answers.
    const run = (await again('GET', `/backup-runs/${runId}`)).body
    assert.equal(run.status, 'failed')
    assert.equal(run.message, INTERRUPTED_RUN)
    assert.equal(run.verified, false)
    const log = (await again('GET', `/backup-runs/${runId}/log`)).body.lines.map((l: { output: string }) => l.output)
    assert.equal(log.at(-1), `Backup failed: ${INTERRUPTED_RUN}`)
    const message = await waitFor(
      'the backup.failed notification',
      async () => receiver.to('/backups').find((m) => m.body.event === 'backup.failed'),
      20_000,
    )
    assert.match(message.body.summary, /Backup of database cache failed/)
    assert.ok(JSON.stringify(message.body).includes(INTERRUPTED_RUN))
    // A backup started by the new process is left alone by its own recovery and succeeds.
    const s3Destination = (await again('POST', '/backup-destinations', s3.destination('works'))).body.id
    const next = await again('POST', `/databases/${database}/backups`, { destination_id: s3Destination })
    const ended = await waitFor('the next run', async () => {
      const r = (await again('GET', `/backup-runs/${next.body.id}`)).body
      return (r.status === 'succeeded' || r.status === 'failed') && r
    })
    assert.equal(ended.status, 'succeeded', ended.message)
  })
})
