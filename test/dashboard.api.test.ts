import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { composeProjectName } from '../src/deployments/resources.js'
import { createService, deploy, waitForEnd, waitForFinished } from './support/deploy-helpers.js'
import { TEST_IMAGE, removeProject, requireDocker, waitFor } from './support/docker.js'
import { startTestApp, type TestApp } from './support/harness.js'

const HEALTHY = `services:\n  web:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    stop_grace_period: 1s\n`
// Exits at once and the engine starts it again and again: crash-looping.
const CRASHING = `services:\n  job:\n    image: ${TEST_IMAGE}\n    command: sh -c "exit 3"\n    restart: always\n`

describe('GET /api/v1/dashboard', () => {
  let t: TestApp
  let token: string
  let other: string
  let projectId: string
  const projects: string[] = []

  before(async () => {
    t = await startTestApp()
    token = await t.token(['read', 'write', 'deploy'], 'alpha')
    other = await t.token(['read', 'write'], 'beta')
    projectId = (await t.call(token, 'POST', '/api/v1/projects', { name: 'shop' })).body.uuid
  })
  after(async () => {
    await t.close()
    for (const p of projects) await removeProject(p)
  })

  it("shows each resource's health from the engine, what needs attention first, and only the caller's team", async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const web = await createService(t, token, projectId, 'web', HEALTHY)
    const job = await createService(t, token, projectId, 'job', CRASHING)
    const idle = await createService(t, token, projectId, 'idle', HEALTHY)
    projects.push(...[web, job].map(composeProjectName))
    await waitForFinished(t, token, await deploy(t, token, web))
    await waitForEnd(t, token, await deploy(t, token, job))
    await t.call(other, 'POST', '/api/v1/projects', { name: 'theirs' })

    const board = await waitFor('the crash loop to show', async () => {
      const res = await t.call(token, 'GET', '/api/v1/dashboard')
      assert.equal(res.status, 200, JSON.stringify(res.body))
      const health = (id: string) => res.body.projects[0].resources.find((r: any) => r.uuid === id)?.health
      return health(job) === 'crash-looping' ? res.body : undefined
    })
    assert.deepEqual(
      board.projects.map((p: any) => p.name),
      ['shop'],
      "another team's project is not shown",
    )
    const byId = new Map(board.projects[0].resources.map((r: any) => [r.uuid, r]))
    assert.equal((byId.get(web) as any).health, 'healthy')
    assert.deepEqual((byId.get(web) as any).containers, { running: 1, total: 1 })
    assert.equal((byId.get(idle) as any).health, 'never deployed')
    assert.equal(board.attention[0].severity, 'critical')
    assert.ok(
      board.attention.some((a: any) => a.target.uuid === job && /shop \/ job is crash-looping/.test(a.message)),
      JSON.stringify(board.attention),
    )
    assert.ok(!board.attention.some((a: any) => a.target.uuid === web), 'a healthy service needs nothing')
    assert.ok(board.deployments.finished_24h + board.deployments.failed_24h >= 2)
    assert.equal(board.servers[0].proxy.state, 'not_configured')

    const theirs = (await t.call(other, 'GET', '/api/v1/dashboard')).body
    assert.deepEqual(
      theirs.projects.map((p: any) => [p.name, p.resources.length]),
      [['theirs', 0]],
    )
    assert.deepEqual(theirs.attention, [])
  })

  it("reads each local server's load, and shows the last backups with a failed one needing attention", async (ctx) => {
    const admin = await t.token(['root', 'instance'], 'alpha')
    const before = (await t.call(admin, 'GET', '/api/v1/dashboard')).body
    assert.equal(before.backups.berth, null, 'no backup of Berth yet')
    assert.deepEqual(before.backups.databases, [])

    // Berth's own backup fails (its directory is a file); the team's database backup fails (the
    // database is not running). Both reach the dashboard through their services.
    const notADirectory = join(t.dataDir, 'not-a-directory')
    writeFileSync(notADirectory, '')
    // Berth backs up only its embedded SQLite database itself (PostgreSQL is pg_dump's job).
    const sqlite = t.app.database.dialect === 'sqlite'
    if (sqlite) {
      const own = await t.app.backups.create('manual', SYSTEM_ACTOR, notADirectory).catch((error: Error) => error)
      assert.ok(!(own instanceof Error) && own.status === 'failed', String(own))
    }
    const database = (
      await t.call(token, 'POST', `/api/v1/projects/${projectId}/databases`, { type: 'redis', name: 'cache' })
    ).body.uuid
    const destination = (
      await t.call(admin, 'POST', '/api/v1/backup-destinations', {
        kind: 's3',
        name: 'dashboard-destination',
        s3: { endpoint: 'http://127.0.0.1:9', bucket: 'dashboard', access_key_id: 'key' },
        secret_access_key: 'secret',
      })
    ).body.id
    const job = (
      await t.call(admin, 'POST', `/api/v1/databases/${database}/backup-jobs`, { destination_id: destination })
    ).body.id
    await t.call(admin, 'POST', `/api/v1/backup-jobs/${job}/run`)
    await t.app.backupRuns.idle()

    const board = (await t.call(admin, 'GET', '/api/v1/dashboard')).body
    assert.equal(board.backups.berth?.status ?? null, sqlite ? 'failed' : null)
    assert.equal(board.backups.databases.length, 1)
    assert.equal(board.backups.databases[0].database_name, 'shop / cache')
    assert.equal(board.backups.databases[0].status, 'failed')
    const messages = board.attention.map((a: any) => a.message).join('\n')
    if (sqlite) assert.match(messages, /The last backup of Berth failed/)
    assert.match(messages, /The last backup of shop \/ cache failed/)
    // A team member without the instance role sees the team's backups, not Berth's own.
    const member = (await t.call(token, 'GET', '/api/v1/dashboard')).body
    assert.equal(member.backups.berth, undefined)
    assert.doesNotMatch(member.attention.map((a: any) => a.message).join('\n'), /backup of Berth/)

    // The local engine's host load comes from /proc/loadavg, once the monitor has checked it.
    if (!(await requireDocker(ctx))) return
    const load = await waitFor('the first server check', async () => {
      const servers = (await t.call(admin, 'GET', '/api/v1/dashboard')).body.servers
      return servers[0].reachable === null ? undefined : servers[0].load
    })
    assert.ok(load && load.cpus >= 1 && load.one >= 0, JSON.stringify(load))
  })
})
