import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { buildApp } from '../src/app.js'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { loadConfig } from '../src/config.js'
import { berth } from './support/cli.js'
import { TEST_DIALECT, databaseEnvFor, dropTestDatabase } from './support/dialect.js'
import { SAMPLE_COMPOSE, composeWithPort, startTestAppIn, type TestApp } from './support/harness.js'

// Needs both databases: it runs in the PostgreSQL pass, reading an SQLite file it makes itself.
describe('berth db copy --from sqlite: --to postgres://', {
  skip: TEST_DIALECT === 'postgres' ? false : 'runs in the PostgreSQL pass',
}, () => {
  let sqliteDir: string
  let pgDir: string
  let token: string
  let serviceId: string
  let deploymentId: string
  let target: TestApp | undefined
  before(async () => {
    sqliteDir = mkdtempSync(join(tmpdir(), 'berth-copy-src-'))
    pgDir = mkdtempSync(join(tmpdir(), 'berth-copy-dst-'))
    const source = await buildApp({ config: loadConfig({ BERTH_DATA_DIR: sqliteDir, LOG_LEVEL: 'silent' }) })
    const user = await source.users.create(
      { email: 'mover@example.com', password: 'mover-password', admin: true },
      SYSTEM_ACTOR,
    )
    const actor = { ...SYSTEM_ACTOR, teamId: user.teamId }
    token = (
      await source.tokens.create(
        { userId: user.id, teamId: user.teamId, abilities: new Set(['root']) },
        { name: 'move', abilities: ['root'] },
        actor,
      )
    ).token
    const project = await source.projects.create(user.teamId, { name: 'moving' }, actor)
    serviceId = (await source.services.create(user.teamId, project.id, { name: 'web', compose: SAMPLE_COMPOSE }, actor))
      .id
    for (let v = 1; v <= 3; v++)
      await source.compose.update(user.teamId, serviceId, { yaml: composeWithPort(7000 + v), baseVersion: v }, actor)
    await source.env.put(user.teamId, serviceId, { SECRET: { value: 'moved-secret-value', secret: true } }, actor)
    // A deployment with a log line (cancelled before it ran: nothing needs an engine).
    const [queued] = await source.deployments.queue(user.teamId, [serviceId], { trigger: 'api' }, actor)
    deploymentId = queued!.deployment_uuid
    await source.deployments.cancel(user.teamId, deploymentId, actor)
    await source.close()
  })
  after(async () => {
    await target?.close()
    await dropTestDatabase(pgDir)
    rmSync(sqliteDir, { recursive: true, force: true })
  })

  it('copies every row, verifies the counts, and Berth runs on the copy (tokens, history, secrets, new writes)', async () => {
    const { DATABASE_URL } = await databaseEnvFor(pgDir)
    const run = berth(['db', 'copy', '--from', `sqlite:${join(sqliteDir, 'berth.db')}`, '--to', DATABASE_URL!], {
      BERTH_DATA_DIR: sqliteDir,
    })
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stderr, /compose_versions\s+4 rows, counts match/)
    assert.match(run.stderr, /audit_log\s+\d+ rows, counts match/)

    const again = berth(['db', 'copy', '--from', `sqlite:${join(sqliteDir, 'berth.db')}`, '--to', DATABASE_URL!], {
      BERTH_DATA_DIR: sqliteDir,
    })
    assert.equal(again.status, 1)
    assert.match(again.stderr, /target database is not empty/)

    // Same data dir: the app key there decrypts the copied secrets.
    target = await startTestAppIn(sqliteDir, { DATABASE_URL: DATABASE_URL! })
    const versions = await target.call(token, 'GET', `/api/v1/services/${serviceId}/compose/versions`)
    assert.deepEqual(
      versions.body.versions.map((v: { version: number }) => v.version),
      [4, 3, 2, 1],
    )
    const logs = await target.call(token, 'GET', `/api/v1/deployments/${deploymentId}/logs`)
    assert.match(logs.body.lines.map((l: { output: string }) => l.output).join('\n'), /Deployment cancelled/)
    const env = await target.call(token, 'GET', `/api/v1/services/${serviceId}/env`)
    assert.equal(env.body.env.SECRET.value, 'moved-secret-value')
    const created = await target.call(token, 'POST', '/api/v1/projects', { name: 'after-move' })
    assert.equal(created.status, 201, 'new rows get fresh ids after the copied ones')
    const audit = await target.call(token, 'GET', '/api/v1/audit?limit=1')
    assert.equal(audit.body.items[0].action, 'project.created')
  })
})
