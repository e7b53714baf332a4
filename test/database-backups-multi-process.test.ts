// Two real `berth serve` processes (their own data dirs) on one PostgreSQL database both run the
// backup scheduler: each tick of a job makes exactly one run, whichever process claims it, and
// neither process logs a failed start for the tick the other took.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { bearerApi, startServer } from './support/cli.js'
import { deployedRedis } from './support/db-backups.js'
import { TEST_DIALECT } from './support/dialect.js'
import { requireDocker, waitFor } from './support/docker.js'
import { startS3 } from './support/s3.js'
import { leftovers, prepareServerDataDir } from './support/server-setup.js'

const onlyPostgres =
  TEST_DIALECT === 'postgres' ? false : 'PostgreSQL-specific: several Berth processes share one database server'

describe('the backup scheduler in two Berth processes on one PostgreSQL database', { skip: onlyPostgres }, () => {
  const made = leftovers()
  const closers: (() => Promise<void>)[] = []
  after(async () => {
    for (const close of closers.reverse()) await close()
    await made.cleanUp()
  })

  it('starts each scheduled tick once, never twice', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const s3 = await startS3()
    closers.push(s3.close)
    // The processes share the app key: the destination's secret written by one is read by the other.
    const { env, token } = await prepareServerDataDir(made.dataDir('berth-backup-multi-a-'), ['root'], {
      BERTH_APP_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'error',
    })
    const logs: (() => string)[] = []
    const start = async (dataDir: string) => {
      const p = await startServer({ ...env, BERTH_DATA_DIR: dataDir })
      closers.push(p.stop)
      let text = ''
      p.child.stderr!.on('data', (chunk: Buffer) => {
        text += chunk.toString()
      })
      logs.push(() => text)
      return bearerApi(p.url, token)
    }
    const api = await start(env.BERTH_DATA_DIR!)
    const projectId = (await api('POST', '/projects', { name: 'ticks' })).body.uuid
    const database = await deployedRedis(api, projectId, 'ticked')
    made.project(composeProjectName(database))
    const destination = (await api('POST', '/backup-destinations', s3.destination('s3'))).body.id
    const job = await api('POST', `/databases/${database}/backup-jobs`, {
      destination_id: destination,
      schedule: '*/2 * * * * *',
    })
    assert.equal(job.status, 201, JSON.stringify(job.body))
    // Started after the job exists, the second process schedules it from its first moment.
    const second = await start(made.dataDir('berth-backup-multi-b-'))
    const scheduled = async () =>
      (await api('GET', `/databases/${database}/backups`)).body.runs.filter(
        (r: { trigger: string }) => r.trigger === 'schedule',
      ) as { id: string; status: string; message: string | null }[]
    await waitFor('three scheduled runs', async () => (await scheduled()).length >= 3, 30_000, 250)
    // Disabled through the second process: the first stops too (each tick re-reads its job).
    assert.equal((await second('PATCH', `/backup-jobs/${job.body.id}`, { enabled: false })).status, 200)
    const runs = await waitFor(
      'the scheduled runs to end',
      async () => {
        const all = await scheduled()
        return all.every((r) => r.status === 'succeeded' || r.status === 'failed') && all
      },
      60_000,
      250,
    )
    // One run per tick: the runs' artifacts name distinct times, and no tick appears twice.
    const ticks = new Set(
      (await Promise.all(runs.map(async (r) => (await api('GET', `/backup-runs/${r.id}`)).body.started_at))).map(
        (started: string) => started.slice(0, 19),
      ),
    )
    assert.equal(ticks.size, runs.length, `two runs started in the same second: ${JSON.stringify(runs)}`)
    for (const r of runs) assert.equal(r.status, 'succeeded', r.message ?? '')
    for (const log of logs) assert.doesNotMatch(log(), /scheduled database backup could not start/)
    await new Promise((resolve) => setTimeout(resolve, 2500))
    assert.equal((await scheduled()).length, runs.length, 'no tick ran after the job was disabled')
  })
})
