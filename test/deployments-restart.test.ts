import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { buildApp } from '../src/app.js'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { loadConfig } from '../src/config.js'
import { composeProjectName } from '../src/deployments/resources.js'
import { workerIdFor } from '../src/deployments/worker-id.js'
import { SLOW_COMPOSE, TEST_IMAGE, removeProject, requireDocker, waitFor } from './support/docker.js'
import { ENDED } from './support/deploy-helpers.js'
import { bearerApi, startServer } from './support/cli.js'
import { databaseEnvFor, dropTestDatabase } from './support/dialect.js'
import { startTestAppIn } from './support/harness.js'

/** Alive and not a zombie (this machine's PID 1 may not reap orphans). */
function processRuns(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

describe('crash safety', () => {
  const projects: string[] = []
  const dataDirs: string[] = []
  after(async () => {
    for (const p of projects) await removeProject(p)
    for (const d of dataDirs) {
      await dropTestDatabase(d)
      rmSync(d, { recursive: true, force: true })
    }
  })

  it('marks a deployment interrupted by a killed Berth as failed on the next start, and the queue moves on', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const dataDir = mkdtempSync(join(tmpdir(), 'berth-restart-'))
    dataDirs.push(dataDir)
    // The same database the harness will reopen: SQLite in the data dir, or this pass's PostgreSQL one.
    const dbEnv = await databaseEnvFor(dataDir)
    const setup = await buildApp({ config: loadConfig({ BERTH_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...dbEnv }) })
    const user = await setup.users.create(
      {
        email: `restart-${Date.now()}@example.com`,
        password: 'correct-horse-battery',
        admin: true,
        teamName: 'Default',
      },
      SYSTEM_ACTOR,
    )
    const token = (
      await setup.tokens.create(
        { userId: user.id, teamId: user.teamId, abilities: new Set(['root']) },
        { name: 'restart', abilities: ['root'] },
        SYSTEM_ACTOR,
      )
    ).token
    await setup.close()

    // A real `berth serve` process, so it can be killed for real.
    const { child, url } = await startServer({ BERTH_DATA_DIR: dataDir, ...dbEnv })
    const api = bearerApi(url, token)
    try {
      const serverId = (
        await api('POST', '/servers', {
          name: 'one-at-a-time',
          docker_host: 'unix:///var/run/docker.sock',
          concurrency_limit: 1,
        })
      ).body.uuid
      const projectId = (await api('POST', '/projects', { name: 'restart' })).body.uuid
      const slow = (await api('POST', `/projects/${projectId}/services`, { name: 'slow', compose: SLOW_COMPOSE })).body
        .uuid
      const quick = (
        await api('POST', `/projects/${projectId}/services`, {
          name: 'quick',
          compose: `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    stop_grace_period: 1s\n`,
        })
      ).body.uuid
      projects.push(composeProjectName(slow), composeProjectName(quick))
      for (const id of [slow, quick])
        assert.equal((await api('PUT', `/services/${id}/server`, { server_uuid: serverId })).status, 200)
      const stuck = (await api('POST', '/deploy', { uuid: slow })).body.deployments[0].deployment_uuid
      await waitFor(
        'the slow deployment to run compose',
        async () =>
          (await api('GET', `/deployments/${stuck}/logs`)).body.lines?.some((l: any) =>
            l.output.startsWith('$ docker compose'),
          ),
        30_000,
      )
      const waiting = (await api('POST', '/deploy', { uuid: quick })).body.deployments[0].deployment_uuid
      assert.equal((await api('GET', `/deployments/${waiting}`)).body.status, 'queued')
      child.kill('SIGKILL')
      await new Promise((r) => child.once('close', r))
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }

    const leftover = (
      await (async () => {
        const { openDatabase } = await import('../src/db/connection.js')
        const peek = openDatabase(loadConfig({ BERTH_DATA_DIR: dataDir, ...dbEnv }).database)
        try {
          return await peek.db
            .selectFrom('deployments')
            .select('process_id')
            .where('status', '=', 'in_progress')
            .executeTakeFirstOrThrow()
        } finally {
          await peek.close()
        }
      })()
    ).process_id
    assert.ok(leftover, 'the running compose process group was recorded')

    const t = await startTestAppIn(dataDir)
    try {
      assert.ok(!processRuns(leftover), 'the restarted Berth stopped the leftover compose process')
      const rows = await t.app.db.selectFrom('deployments').selectAll().orderBy('created_at').execute()
      const [interrupted, next] = rows
      assert.equal(interrupted!.status, 'failed')
      assert.equal(interrupted!.message, 'interrupted: Berth restarted')
      const lines = await t.app.db
        .selectFrom('deployment_logs')
        .select('output')
        .where('deployment_id', '=', interrupted!.id)
        .orderBy('seq', 'desc')
        .limit(1)
        .execute()
      assert.equal(lines[0]!.output, 'Deployment failed: interrupted: Berth restarted')
      // Whether the orphan was still there to stop depends on when its output pipe broke; stopping
      // one is shown deterministically by the test below.
      const ended = await waitFor(
        'the queued deployment to run after the restart',
        async () => {
          const d = await t.app.db
            .selectFrom('deployments')
            .selectAll()
            .where('id', '=', next!.id)
            .executeTakeFirstOrThrow()
          return ENDED.includes(d.status) ? d : undefined
        },
        60_000,
      )
      assert.equal(ended.status, 'finished')
      assert.equal(
        (await t.app.db.selectFrom('deployments').select('id').where('status', '=', 'in_progress').execute()).length,
        0,
      )
    } finally {
      await t.close()
    }
  })

  it('stops the compose process group a killed Berth left running and says so in the log', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'berth-leftover-'))
    dataDirs.push(dataDir)
    let t = await startTestAppIn(dataDir)
    const token = await t.token(['root'])
    const projectId = (await t.call(token, 'POST', '/api/v1/projects', { name: 'leftover' })).body.uuid
    const serviceId = (
      await t.call(token, 'POST', `/api/v1/projects/${projectId}/services`, {
        name: 'web',
        compose: `services:\n  app:\n    image: ${TEST_IMAGE}\n`,
      })
    ).body.uuid
    // Queued on a server that runs nothing, then made to look like a claim this data dir's previous
    // life was running: an in-progress row with the pid of a process that looks like its compose.
    const serverId = (
      await t.call(token, 'POST', '/api/v1/servers', { name: 'idle', docker_host: 'unix:///var/run/docker.sock' })
    ).body.uuid
    await t.app.db.updateTable('servers').set({ concurrency_limit: 0 }).where('id', '=', serverId).execute()
    await t.call(token, 'PUT', `/api/v1/services/${serviceId}/server`, { server_uuid: serverId })
    const deploymentId = (await t.call(token, 'POST', '/api/v1/deploy', { uuid: serviceId })).body.deployments[0]
      .deployment_uuid
    const leftover = spawn('bash', ['-c', `exec -a "docker compose --project-name berth-${serviceId} up" sleep 300`], {
      detached: true,
      stdio: 'ignore',
    })
    try {
      await waitFor('the stand-in compose process to start', async () => processRuns(leftover.pid!), 5_000)
      await t.app.db
        .updateTable('deployments')
        .set({
          status: 'in_progress',
          process_id: leftover.pid!,
          claimed_by: workerIdFor(dataDir),
          heartbeat_at: new Date().toISOString(),
        })
        .where('id', '=', deploymentId)
        .execute()
      // Not t.close(): that would delete the data dir the restarted Berth must find.
      await t.server.close()
      await t.app.close()

      t = await startTestAppIn(dataDir)
      try {
        await waitFor('the leftover process group to be gone', async () => !processRuns(leftover.pid!), 5_000)
        const d = (await t.call(token, 'GET', `/api/v1/deployments/${deploymentId}`)).body
        assert.equal(d.status, 'failed')
        assert.equal(d.message, 'interrupted: Berth restarted')
        const lines: string[] = (
          await t.call(token, 'GET', `/api/v1/deployments/${deploymentId}/logs?limit=100`)
        ).body.lines.map((l: any) => l.output)
        assert.deepEqual(lines.slice(-2), [
          `Stopped the compose process group ${leftover.pid} left running by the previous Berth`,
          'Deployment failed: interrupted: Berth restarted',
        ])
      } finally {
        await t.close()
      }
    } finally {
      if (processRuns(leftover.pid!)) process.kill(-leftover.pid!, 'SIGKILL')
    }
  })
})
