import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { TEST_DIALECT } from './support/dialect.js'
import { startTestApp, type TestApp } from './support/harness.js'

// A PostgreSQL restart or an administrator's pg_terminate_backend breaks the pool's idle
// connections. Berth must log it and carry on with new connections, not crash.
const onlyPostgres = TEST_DIALECT === 'postgres' ? false : 'PostgreSQL-specific: pooled server connections'
describe('PostgreSQL connections dropped by the server', { skip: onlyPostgres }, () => {
  let t: TestApp
  const logLines: string[] = []
  before(async () => {
    const sink = new PassThrough()
    sink.on('data', (chunk: Buffer) => logLines.push(...chunk.toString().split('\n').filter(Boolean)))
    t = await startTestApp({ LOG_LEVEL: 'warn' }, { logDestination: sink })
  })
  after(() => t.close())

  it('are logged and replaced: Berth keeps answering', async () => {
    // Several requests at once, so the pool holds several idle connections afterwards.
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.call(undefined, 'GET', '/health')))
    assert.ok(answers.every((a) => a.status === 200))

    const admin = new pg.Client({ connectionString: process.env.BERTH_TEST_POSTGRES_URL })
    await admin.connect()
    try {
      const target = t.app.config.database
      assert.equal(target.dialect, 'postgres')
      const database = new URL(target.url).pathname.slice(1)
      const ended = await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [database],
      )
      assert.ok(ended.rowCount! > 0, 'there were pooled connections to end')
    } finally {
      await admin.end()
    }
    await new Promise((resolve) => setTimeout(resolve, 300))

    const health = await t.call(undefined, 'GET', '/health')
    assert.equal(health.status, 200)
    assert.equal(health.body.database.connected, true)
    assert.ok(
      logLines.some((l) => l.includes('a PostgreSQL connection broke')),
      'the broken connection was logged',
    )
  })
})
