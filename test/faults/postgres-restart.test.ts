// PostgreSQL goes away under a running Berth (a restart of the database server, a failover):
// requests answer 503 database_unavailable while it is away, the process stays up, and it serves
// again by itself once the server is back, with everything stored before still there.
// The test starts its own PostgreSQL server (the pass's shared one serves other tests), so it runs
// once, in the SQLite pass.
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { startPostgres } from '../../scripts/postgres-server.mjs'
import { bearerApi, startServer } from '../support/cli.js'
import { TEST_DIALECT } from '../support/dialect.js'
import { waitFor } from '../support/docker.js'
import { leftovers, prepareServerDataDir } from '../support/server-setup.js'

describe('PostgreSQL restarts under a running Berth', () => {
  const made = leftovers()
  after(() => made.cleanUp())

  it('answers 503 while the database is away and recovers without a restart', async (t) => {
    if (TEST_DIALECT !== 'sqlite') return t.skip('runs once, in the first pass, on its own PostgreSQL server')
    const postgres = await startPostgres()
    if (postgres.url === undefined) {
      if (process.env.CI === 'true') throw new Error(`PostgreSQL is required in CI: ${postgres.error}`)
      return t.skip(postgres.error)
    }
    t.after(() => postgres.stop())
    const { env, token } = await prepareServerDataDir(made.dataDir('berth-pg-restart-'), ['root'], {
      DATABASE_URL: postgres.url,
    })
    const server = await startServer(env)
    t.after(() => server.stop())
    const api = bearerApi(server.url, token)
    assert.equal((await api('POST', '/projects', { name: 'before' })).status, 201)

    postgres.pause()
    for (const [method, path, body] of [
      ['GET', '/projects', undefined],
      ['POST', '/projects', { name: 'while-away' }],
    ] as const) {
      const res = await api(method, path, body)
      assert.equal(res.status, 503, `${method} ${path} while PostgreSQL is away: ${JSON.stringify(res.body)}`)
      assert.equal(res.body.error?.code, 'database_unavailable', JSON.stringify(res.body))
      assert.match(res.body.error.message, /try again/)
    }
    // Idle pooled connections broke when the server went away: the process must survive that.
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.equal(server.child.exitCode, null, 'berth serve is still running')

    postgres.resume()
    const created = await waitFor(
      'Berth to store again once PostgreSQL is back',
      async () => {
        const res = await api('POST', '/projects', { name: 'after' })
        return res.status === 201 ? res : undefined
      },
      20_000,
    )
    assert.equal(created.body.name, 'after')
    const names = (await api('GET', '/projects')).body.projects.map((p: { name: string }) => p.name).sort()
    assert.deepEqual(names, ['after', 'before'], 'what was stored before is there, nothing of the refused write')
    assert.equal(server.child.exitCode, null, 'the same process served throughout')
  })
})
