import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { buildApp } from '../src/app.js'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { loadConfig } from '../src/config.js'
import { ABANDONED_MESSAGE } from '../src/deployments/deployment-worker.js'
import { composeProjectName } from '../src/deployments/resources.js'
import { bearerApi, startServer, type Api } from './support/cli.js'
import { ENDED } from './support/deploy-helpers.js'
import { databaseEnvFor, dropTestDatabase, TEST_DIALECT } from './support/dialect.js'
import { SLOW_COMPOSE, TEST_IMAGE, removeProject, requireDocker, waitFor } from './support/docker.js'

// Two real `berth serve` processes, each with its own data dir, on one PostgreSQL database: the
// set-up the issue names for larger installations. (SQLite is one process's embedded database.)
const onlyPostgres =
  TEST_DIALECT === 'postgres' ? false : 'PostgreSQL-specific: several Berth processes share one database server'
const QUICK_COMPOSE = `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    stop_grace_period: 1s\n`

const STALE_SECONDS = 10

type Berth = Awaited<ReturnType<typeof startServer>> & { api: Api }

describe('two Berth processes on one PostgreSQL database', { skip: onlyPostgres }, () => {
  const dataDirs = [mkdtempSync(join(tmpdir(), 'berth-multi-a-')), mkdtempSync(join(tmpdir(), 'berth-multi-b-'))]
  const projects: string[] = []
  let dbEnv: Record<string, string>
  let token: string
  let a: Berth
  let b: Berth | undefined
  let serverId: string
  let projectId: string

  async function start(dataDir: string): Promise<Berth> {
    const server = await startServer({ BERTH_DATA_DIR: dataDir, ...dbEnv })
    return { ...server, api: bearerApi(server.url, token) }
  }

  async function service(name: string, compose: string): Promise<string> {
    const created = await a.api('POST', `/projects/${projectId}/services`, { name, compose })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    projects.push(composeProjectName(created.body.uuid))
    assert.equal((await a.api('PUT', `/services/${created.body.uuid}/server`, { server_uuid: serverId })).status, 200)
    return created.body.uuid
  }

  /** The whole Server-Sent Events stream of a deployment's log, until its end event (or 20 s). */
  async function streamText(url: string, id: string): Promise<string> {
    const res = await fetch(`${url}/api/v1/deployments/${id}/logs/stream`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(20_000),
    })
    assert.equal(res.status, 200)
    let text = ''
    const decoder = new TextDecoder()
    for await (const chunk of res.body!) {
      text += decoder.decode(chunk, { stream: true })
      if (text.includes('event: end')) break
    }
    return text
  }

  const ended = (api: Api, id: string, timeoutMs = 90_000) =>
    waitFor(
      `deployment ${id} to end`,
      async () => {
        const d = (await api('GET', `/deployments/${id}`)).body
        return ENDED.includes(d.status) ? d : undefined
      },
      timeoutMs,
      250,
    )

  before(async () => {
    // The processes must share the app key: secrets written by one are read by the other. A dead
    // sibling's deployment is failed once its heartbeats are STALE_SECONDS old: the default 30 s
    // would only make the last case wait longer for the same outcome.
    dbEnv = {
      ...(await databaseEnvFor(dataDirs[0]!)),
      BERTH_APP_KEY: randomBytes(32).toString('base64'),
      BERTH_DEPLOY_STALE_SECONDS: String(STALE_SECONDS),
    }
    const setup = await buildApp({
      config: loadConfig({ BERTH_DATA_DIR: dataDirs[0]!, LOG_LEVEL: 'silent', ...dbEnv }),
    })
    const user = await setup.users.create(
      { email: `multi-${Date.now()}@example.com`, password: 'correct-horse-battery', admin: true, teamName: 'Default' },
      SYSTEM_ACTOR,
    )
    token = (
      await setup.tokens.create(
        { userId: user.id, teamId: user.teamId, abilities: new Set(['root']) },
        { name: 'multi', abilities: ['root'] },
        SYSTEM_ACTOR,
      )
    ).token
    await setup.close()
    a = await start(dataDirs[0]!)
    serverId = (
      await a.api('POST', '/servers', {
        name: 'shared',
        docker_host: 'unix:///var/run/docker.sock',
        concurrency_limit: 2,
      })
    ).body.uuid
    projectId = (await a.api('POST', '/projects', { name: 'multi' })).body.uuid
  })

  after(async () => {
    await b?.stop()
    await a?.stop()
    for (const p of projects) await removeProject(p)
    await dropTestDatabase(dataDirs[0]!)
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true })
  })

  it('leaves a running deployment alone when a second process starts, and cancels it through the second one', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const slow = await service('slow', SLOW_COMPOSE)
    const id = (await a.api('POST', '/deploy', { uuid: slow })).body.deployments[0].deployment_uuid
    await waitFor(
      'the slow deployment to run compose',
      async () =>
        (await a.api('GET', `/deployments/${id}/logs`)).body.lines?.some((l: any) =>
          l.output.startsWith('$ docker compose'),
        ),
      30_000,
    )

    b = await start(dataDirs[1]!)
    assert.equal(
      (await b.api('GET', `/deployments/${id}`)).body.status,
      'in_progress',
      "the second process did not take the first one's deployment for interrupted",
    )

    // A viewer of the second process sees the lines the first one writes, live, to the end.
    const stream = streamText(b.url, id)
    assert.equal((await b.api('POST', `/deployments/${id}/cancel`)).status, 202)
    const d = await ended(b.api, id, 20_000)
    assert.equal(d.status, 'cancelled-by-user')
    assert.match(d.message, /^cancelled by /)
    const streamed = await stream
    assert.match(streamed, /\$ docker compose/)
    assert.match(streamed, /Deployment cancelled after/)
    assert.match(streamed, /event: end\ndata: \{"status":"cancelled-by-user"\}/)
  })

  /** The second process: started by the first test, or here when that test failed before starting it. */
  async function secondProcess() {
    b ??= await start(dataDirs[1]!)
    return b
  }

  it('runs every deployment queued through either process exactly once', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const second = await secondProcess()
    const services = []
    for (let i = 0; i < 6; i++) services.push(await service(`quick-${i}`, QUICK_COMPOSE))
    // Queued through both processes at once, so both workers claim from the same queue together.
    const queued = await Promise.all(
      services.map(async (uuid, i) => {
        const res = await (i % 2 === 0 ? a : second).api('POST', '/deploy', { uuid })
        assert.equal(res.status, 202, JSON.stringify(res.body))
        return res.body.deployments[0].deployment_uuid as string
      }),
    )
    for (const id of queued) {
      assert.equal((await ended(a.api, id)).status, 'finished')
      const lines: string[] = (await a.api('GET', `/deployments/${id}/logs?limit=5000`)).body.lines.map(
        (l: any) => l.output,
      )
      assert.equal(
        lines.filter((l) => l.startsWith('Starting deploy')).length,
        1,
        `deployment ${id} ran once:\n${lines.join('\n')}`,
      )
      assert.equal(lines.filter((l) => l.startsWith('Deployment finished')).length, 1)
    }
  })

  it('fails a deployment whose process died once its heartbeats stop, from the surviving process', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const survivor = await secondProcess()
    const slow = await service('orphaned', SLOW_COMPOSE)
    const id = (await a.api('POST', '/deploy', { uuid: slow })).body.deployments[0].deployment_uuid
    await waitFor(
      'the deployment to run compose',
      async () =>
        (await a.api('GET', `/deployments/${id}/logs`)).body.lines?.some((l: any) =>
          l.output.startsWith('$ docker compose'),
        ),
      30_000,
    )
    a.child.kill('SIGKILL')
    await new Promise((resolve) => a.child.once('close', resolve))
    // Heartbeats go stale after STALE_SECONDS, and the survivor looks every 5 s.
    const killedAt = Date.now()
    const d = await ended(survivor.api, id, 60_000)
    assert.ok(Date.now() - killedAt >= (STALE_SECONDS - 2) * 1000, 'not failed before its heartbeats went stale')
    assert.equal(d.status, 'failed')
    assert.equal(d.message, ABANDONED_MESSAGE)
  })
})
