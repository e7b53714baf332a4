// SIGTERM while a deployment runs and while a backup is being taken: Berth shuts down cleanly
// within a bound, the deployment is recorded as interrupted by the shutdown (with its last line),
// and every backup file left is complete and verified (or absent), never half-written.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { after, describe, it } from 'node:test'
import { openDatabase } from '../../src/db/connection.js'
import { composeProjectName } from '../../src/deployments/resources.js'
import { bearerApi, startServer } from '../support/cli.js'
import { leftovers, prepareServerDataDir } from '../support/server-setup.js'
import { TEST_DIALECT } from '../support/dialect.js'
import { SLOW_COMPOSE, requireDocker, waitFor } from '../support/docker.js'

// What a user's service manager (systemd's default is 90 s) would wait before a SIGKILL, with room to spare.
const SHUTDOWN_BOUND_MS = 15_000

describe('SIGTERM during work', () => {
  const made = leftovers()
  after(() => made.cleanUp())

  it('ends a running deployment as interrupted and leaves only whole backups', async (t) => {
    if (!(await requireDocker(t))) return
    const { env, config, token } = await prepareServerDataDir(made.dataDir('berth-sigterm-'), ['root', 'instance'])
    const server = await startServer(env)
    // A failing step must not leave the server running (it would hold the test process open).
    t.after(() => {
      if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL')
    })
    const api = bearerApi(server.url, token)
    const project = (await api('POST', '/projects', { name: 'sigterm' })).body.uuid
    const service = (await api('POST', `/projects/${project}/services`, { name: 'slow', compose: SLOW_COMPOSE })).body
      .uuid
    made.project(composeProjectName(service))
    const deployment = (await api('POST', '/deploy', { uuid: service })).body.deployments[0].deployment_uuid
    await waitFor(
      'the deployment to run compose up (which waits on a health check that never passes)',
      async () =>
        (await api('GET', `/deployments/${deployment}/logs`)).body.lines?.some((l: any) =>
          l.output.startsWith('$ docker compose'),
        ),
      60_000,
    )
    // A backup asked for at the same moment (SQLite: Berth's own backups; PostgreSQL refuses them).
    const backup = api('POST', '/backups').catch((error: unknown) => error)
    const signalled = performance.now()
    server.child.kill('SIGTERM')
    const exitCode = await new Promise<number | null>((resolve) => server.child.once('exit', resolve))
    const tookMs = performance.now() - signalled
    await backup
    t.diagnostic(`shut down ${Math.round(tookMs)} ms after SIGTERM, exit code ${exitCode}`)
    assert.equal(exitCode, 0)
    assert.ok(tookMs < SHUTDOWN_BOUND_MS, `shut down within ${SHUTDOWN_BOUND_MS} ms (took ${Math.round(tookMs)})`)

    const database = openDatabase(config.database)
    try {
      const row = await database.db
        .selectFrom('deployments')
        .select(['status', 'message'])
        .where('id', '=', deployment)
        .executeTakeFirstOrThrow()
      assert.deepEqual(row, { status: 'failed', message: 'interrupted: Berth shut down' })
      const last = await database.db
        .selectFrom('deployment_logs')
        .select('output')
        .where('deployment_id', '=', deployment)
        .orderBy('seq', 'desc')
        .executeTakeFirstOrThrow()
      assert.match(last.output, /^Deployment failed after [\d.]+ s: interrupted: Berth shut down$/)
      if (TEST_DIALECT === 'sqlite') {
        const backups = await database.db.selectFrom('backups').select(['file_name', 'status', 'sha256']).execute()
        for (const b of backups) assert.notEqual(b.status, 'running', `backup ${b.file_name} was left running`)
        const dir = config.backups.dir
        const files = existsSync(dir) ? readdirSync(dir) : []
        assert.deepEqual(
          files.filter((f) => f.startsWith('.')),
          [],
          'no snapshot left behind',
        )
        for (const file of files.filter((f) => f.endsWith('.db.gz'))) {
          const bytes = readFileSync(join(dir, file))
          const recorded = backups.find((b) => b.file_name === file)
          assert.equal(recorded?.status, 'succeeded', `${file} is a recorded, verified backup`)
          assert.equal(createHash('sha256').update(bytes).digest('hex'), recorded?.sha256)
          assert.equal(gunzipSync(bytes).subarray(0, 16).toString('latin1'), 'SQLite format 3\0')
        }
      }
    } finally {
      await database.close()
    }
  })
})
