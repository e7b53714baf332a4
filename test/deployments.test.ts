import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import {
  SLOW_COMPOSE,
  TEST_IMAGE,
  docker,
  freePort,
  httpGet,
  httpdCompose,
  removeProject,
  requireDocker,
  waitFor,
} from './support/docker.js'
import { createService, deploy, logText, waitForEnd, waitForFinished } from './support/deploy-helpers.js'
import { startTestApp, type TestApp } from './support/harness.js'

describe('deployments on a real Docker engine', () => {
  let t: TestApp
  let root: string
  let projectId: string
  const projects: string[] = []

  before(async () => {
    t = await startTestApp()
    root = await t.token(['root'])
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: `deploy-${Date.now()}` })).body.uuid
  })
  after(async () => {
    await t.close()
    for (const p of projects) await removeProject(p)
  })

  async function service(name: string, compose: string) {
    const id = await createService(t, root, projectId, name, compose)
    projects.push(composeProjectName(id))
    return id
  }

  it('deploys a busybox httpd that answers HTTP, and a compose change redeploys it', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const port = await freePort()
    const id = await service('web', httpdCompose(port))
    const localhost = async () =>
      (await t.call(root, 'GET', '/api/v1/servers')).body.servers.find((s: any) => s.name === 'localhost')
    const before = await waitFor(
      'the first state of localhost',
      async () => (await localhost()).state ?? undefined,
      20_000,
    )
    assert.equal(before.reachable, true)
    const first = await deploy(t, root, id)
    const done = await waitForEnd(t, root, first)
    assert.equal(done.status, 'finished', await logText(t, root, first))
    assert.equal(done.exit_code, 0)
    assert.equal(done.trigger, 'api')
    assert.equal(done.compose_version, 1)
    assert.ok(done.started_at && done.finished_at)
    const answer = await waitFor('httpd to answer', () => httpGet(`http://127.0.0.1:${port}/`), 20_000)
    assert.equal(answer.body.trim(), 'ok')
    const log = await logText(t, root, first)
    assert.match(
      log,
      /\$ docker compose --project-name berth-[0-9a-f-]+ --file compose.yaml --env-file .env up -d --remove-orphans/,
    )
    assert.match(log, /Deployment finished in [\d.]+ s: 1 container is up and healthy$/)

    const status = await t.call(root, 'GET', `/api/v1/services/${id}/status`)
    assert.equal(status.body.status, 'running')
    // Engine events (a container started) refresh the live state well before the 60 s interval.
    await waitFor(
      'an event-driven refresh of the server state',
      async () => (await localhost()).state.checked_at > before.checked_at,
      10_000,
    )

    const port2 = await freePort()
    const put = await t.call(root, 'PUT', `/api/v1/services/${id}/compose`, {
      yaml: httpdCompose(port2),
      base_version: 1,
    })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    const second = await deploy(t, root, id)
    await waitForFinished(t, root, second)
    assert.equal(
      (await waitFor('the new port to answer', () => httpGet(`http://127.0.0.1:${port2}/`), 20_000)).body.trim(),
      'ok',
    )
    assert.equal(await httpGet(`http://127.0.0.1:${port}/`), undefined, 'the old port no longer answers')

    const history = await t.call(root, 'GET', `/api/v1/deployments/services/${id}?skip=0&take=10`)
    assert.equal(history.body.count, 2)
    assert.deepEqual(
      history.body.deployments.map((d: any) => d.deployment_uuid),
      [second, first],
    )
    const one = await t.call(root, 'GET', `/api/v1/deployments/services/deployment/${first}`)
    assert.equal(one.body.resource_name, 'web')
    assert.equal(one.body.server_name, 'localhost')

    // Live stream, resumed: a finished deployment replays lines after Last-Event-ID and ends.
    const stream = await t.server.inject({
      method: 'GET',
      url: `/api/v1/deployments/${first}/logs/stream`,
      headers: { authorization: `Bearer ${root}`, 'last-event-id': '2' },
    })
    assert.equal(stream.statusCode, 200)
    assert.match(stream.headers['content-type'] as string, /text\/event-stream/)
    const ids = [...stream.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
    assert.equal(ids[0], 3)
    assert.match(stream.body, /event: end\ndata: {"status":"finished"}/)
  })

  it('fails a deployment of a missing image with the engine error in the log', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const id = await service(
      'broken',
      `services:\n  app:\n    image: berth-test/does-not-exist:${Date.now()}\n    pull_policy: never\n`,
    )
    const d = await waitForEnd(t, root, await deploy(t, root, id))
    assert.equal(d.status, 'failed')
    assert.notEqual(d.exit_code, 0)
    const log = await logText(t, root, d.deployment_uuid)
    assert.match(log, /No such image|not found|pull access denied|does not exist/i)
    assert.match(
      log,
      /Deployment failed after [\d.]+ s: docker compose up failed: the image berth-test\/does-not-exist:\d+ is not on the server \(exited with code \d+\)$/,
    )
    // The metric counts the lines this process stored (the rows have no running id to read it from).
    const metrics = (await t.server.inject({ method: 'GET', url: '/metrics' })).body
    const ingested = Number(/^berth_deployment_log_lines_ingested (\d+)$/m.exec(metrics)?.[1])
    assert.ok(ingested >= log.split('\n').length, `berth_deployment_log_lines_ingested ${ingested}`)
    // A sequence number beyond the column's range is refused, on PostgreSQL too (it was a 500 there).
    const beyond = await t.call(root, 'GET', `/api/v1/deployments/${d.deployment_uuid}/logs?after=304250263527211`)
    assert.equal(beyond.status, 400, JSON.stringify(beyond.body))
    assert.equal(beyond.body.error.code, 'invalid_request')
  })

  it('cancels a long deployment by killing its process group, while its log streams live over SSE', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const id = await service('slow', SLOW_COMPOSE)
    const deploymentId = await deploy(t, root, id)
    const address = await t.server.listen({ port: 0, host: '127.0.0.1' })
    const response = await fetch(`${address}/api/v1/deployments/${deploymentId}/logs/stream`, {
      headers: { authorization: `Bearer ${root}` },
    })
    assert.equal(response.status, 200)
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    let received = ''
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(received)) {
        const { value, done } = await reader.read()
        if (done) throw new Error(`the stream ended before ${pattern}: ${received}`)
        received += value
      }
    }
    await readUntil(/data: .*\$ docker compose/)
    await readUntil(/slow-1 {2}(Waiting|Healthy|Started)/)
    const cancel = await t.call(root, 'POST', `/api/v1/deployments/${deploymentId}/cancel`)
    assert.equal(cancel.status, 202)
    await readUntil(/event: end\ndata: {"status":"cancelled-by-user"}/)
    const ids = [...received.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
    assert.ok(
      ids.length > 3 && ids.every((id, i) => i === 0 || id > ids[i - 1]!),
      `every line once, in order (hidden lines skipped): ${ids}`,
    )
    const d = await waitForEnd(t, root, deploymentId, 30_000)
    assert.equal(d.status, 'cancelled-by-user')
    assert.match(await logText(t, root, deploymentId), /Deployment cancelled after [\d.]+ s: cancelled by /)
    assert.equal((await t.call(root, 'POST', `/api/v1/deployments/${deploymentId}/cancel`)).status, 409)
  })

  it('runs deployments one after another on a server with concurrency 1, coalesces repeats and answers 429 on a full queue', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const server = await t.call(root, 'POST', '/api/v1/servers', {
      name: `serial-${Date.now()}`,
      docker_host: 'unix:///var/run/docker.sock',
      concurrency_limit: 1,
      queue_limit: 2,
    })
    assert.equal(server.status, 201, JSON.stringify(server.body))
    const ids: string[] = []
    for (let i = 0; i < 3; i++) {
      const id = await service(`serial-${i}`, `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n`)
      assert.equal(
        (await t.call(root, 'PUT', `/api/v1/services/${id}/server`, { server_uuid: server.body.uuid })).status,
        200,
      )
      ids.push(id)
    }
    const blocker = await service('serial-blocker', SLOW_COMPOSE)
    await t.call(root, 'PUT', `/api/v1/services/${blocker}/server`, { server_uuid: server.body.uuid })
    const blocking = await deploy(t, root, blocker)
    await waitFor(
      'the blocker to start',
      async () => (await t.call(root, 'GET', `/api/v1/deployments/${blocking}`)).body.status === 'in_progress',
      30_000,
    )

    const queued = await t.call(root, 'POST', '/api/v1/deploy', { uuid: `${ids[0]},${ids[1]}` })
    assert.equal(queued.status, 202)
    const again = await t.call(root, 'POST', '/api/v1/deploy', { uuid: ids[0] })
    assert.equal(
      again.body.deployments[0].deployment_uuid,
      queued.body.deployments[0].deployment_uuid,
      'a repeat while queued is coalesced',
    )
    assert.match(again.body.deployments[0].message, /already queued/)
    const full = await t.call(root, 'POST', '/api/v1/deploy', { uuid: ids[2] })
    assert.equal(full.status, 429)
    assert.equal(full.headers['retry-after'], '30')
    const active = await t.call(root, 'GET', '/api/v1/deployments')
    assert.ok(active.body.deployments.some((d: any) => d.deployment_uuid === blocking && d.status === 'in_progress'))

    await t.call(root, 'POST', `/api/v1/deployments/${blocking}/cancel`)
    assert.equal((await waitForEnd(t, root, blocking, 30_000)).status, 'cancelled-by-user')
    await waitFor(
      'the first queued deployment to start',
      async () =>
        (await t.call(root, 'GET', `/api/v1/deployments/${queued.body.deployments[0].deployment_uuid}`)).body.status !==
        'queued',
      30_000,
    )
    const third = await deploy(t, root, ids[2]!)
    const all = [queued.body.deployments[0].deployment_uuid, queued.body.deployments[1].deployment_uuid, third]
    const ended = []
    for (const id of all) ended.push(await waitForEnd(t, root, id))
    for (const d of ended) assert.equal(d.status, 'finished')
    const spans = ended
      .map((d) => [Date.parse(d.started_at), Date.parse(d.finished_at)] as const)
      .sort((a, b) => a[0] - b[0])
    for (let i = 1; i < spans.length; i++)
      assert.ok(spans[i]![0] >= spans[i - 1]![1], 'each deployment starts after the previous one finished')
  })

  it('redacts a secret that reaches the deployment output, in stored logs and in the raw database file', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const secret = `Sup3rS3cretTag${Date.now()}`
    const id = await service(
      'leaky',
      `services:\n  app:\n    image: berth-test/busybox:\${IMAGE_TAG}\n    pull_policy: never\n`,
    )
    assert.equal(
      (await t.call(root, 'PUT', `/api/v1/services/${id}/env`, { IMAGE_TAG: { value: secret, secret: true } })).status,
      200,
    )
    const d = await waitForEnd(t, root, await deploy(t, root, id))
    assert.equal(d.status, 'failed')
    const log = await logText(t, root, d.deployment_uuid, true)
    assert.ok(!log.includes(secret), 'the secret never appears in stored lines')
    assert.match(log, /busybox:<REDACTED>/)
    await t.app.db.selectFrom('deployments').select('id').limit(1).execute() // the same connection; WAL holds recent pages
    const { readFileSync, existsSync } = await import('node:fs')
    for (const file of ['berth.db', 'berth.db-wal']) {
      const path = `${t.dataDir}/${file}`
      if (existsSync(path)) assert.ok(!readFileSync(path).includes(secret), `${file} does not contain the secret`)
    }
  })

  it('returns container output through the logs endpoint with secrets redacted, to read:sensitive only', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const secret = `pr1nted-${Date.now()}-value`
    const id = await service(
      'talker',
      `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: ["sh", "-c", "echo token=$$TOKEN; echo b64=$$(printf %s \\"$$TOKEN\\" | base64); sleep 600"]\n    environment:\n      TOKEN: \${TOKEN}\n`,
    )
    await t.call(root, 'PUT', `/api/v1/services/${id}/env`, { TOKEN: { value: secret, secret: true } })
    await waitForFinished(t, root, await deploy(t, root, id))
    const res = await waitFor(
      'the container to print',
      async () => {
        const r = await t.call(root, 'GET', `/api/v1/services/${id}/logs?lines=50`)
        return r.body.containers?.[0]?.lines.length >= 2 ? r : undefined
      },
      20_000,
    )
    const text = res.body.containers[0].lines.join('\n')
    assert.ok(!text.includes(secret) && !text.includes(Buffer.from(secret).toString('base64')), text)
    assert.match(text, /token=<REDACTED>/)
    assert.match(text, /b64=<REDACTED>/)
    const reader = await t.token(['read'])
    assert.equal((await t.call(reader, 'GET', `/api/v1/services/${id}/logs`)).status, 403)
    assert.equal((await t.call(reader, 'GET', `/api/v1/deployments/services/${id}`)).status, 200)
  })

  it('stops and restarts a service as recorded deployments, and acts on its containers with audit rows', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const id = await service(
      'lifecycle',
      `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    stop_grace_period: 1s\n`,
    )
    await waitForFinished(t, root, await deploy(t, root, id))
    const stop = await t.call(root, 'POST', `/api/v1/services/${id}/stop`)
    assert.equal(stop.status, 202)
    await waitForFinished(t, root, stop.body.deployment_uuid)
    assert.equal((await t.call(root, 'GET', `/api/v1/services/${id}/status`)).body.status, 'exited')
    const restart = await t.call(root, 'POST', `/api/v1/services/${id}/restart`)
    await waitForFinished(t, root, restart.body.deployment_uuid)
    const status = await t.call(root, 'GET', `/api/v1/services/${id}/status`)
    assert.equal(status.body.status, 'running')

    const container = status.body.containers[0].id
    const act = await t.call(root, 'POST', `/api/v1/containers/${container}/stop`, {
      server_uuid: status.body.server_uuid,
    })
    assert.equal(act.status, 200, JSON.stringify(act.body))
    assert.equal((await t.call(root, 'GET', `/api/v1/services/${id}/status`)).body.status, 'exited')
    const audit = await t.call(root, 'GET', '/api/v1/audit')
    const row = audit.body.items.find((i: any) => i.action === 'container.stop')
    assert.equal(row.details.container_id, container)
    assert.equal(row.details.server_id, status.body.server_uuid)
    const other = await t.token(['root'], `Other ${Date.now()}`)
    assert.equal(
      (await t.call(other, 'POST', `/api/v1/containers/${container}/start`, { server_uuid: status.body.server_uuid }))
        .status,
      404,
    )
    const { stdout } = await docker(['inspect', '--format', '{{.State.Status}}', container])
    assert.equal(stdout.trim(), 'exited')
  })
})
