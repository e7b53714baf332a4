import assert from 'node:assert/strict'
import { composeProjectName } from '../../src/deployments/resources.js'
import type { Api } from './cli.js'
import { deploy, ENDED, waitForEnd } from './deploy-helpers.js'
import { docker, REDIS_IMAGE, TEST_IMAGE, waitFor } from './docker.js'
import type { TestApp } from './harness.js'

export const POSTGRES_IMAGE = 'berth-test/postgres:15'
export const MARIADB_IMAGE = 'berth-test/mariadb:10'

/** A compose service (busybox, sleeping) with the named volume `data` mounted at /data. */
export const VOLUME_COMPOSE = `services:
  app:
    image: ${TEST_IMAGE}
    command: sleep 600
    stop_grace_period: 1s
    volumes:
      - data:/data
volumes:
  data: {}
`

/** Creates and deploys a database from a local test image; returns it with its container and password. */
export async function deployedDatabase(
  t: TestApp,
  token: string,
  projectId: string,
  type: string,
  name: string,
  image: string,
) {
  const created = await t.call(token, 'POST', `/api/v1/projects/${projectId}/databases`, { type, name, image })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const db = created.body
  const d = await waitForEnd(t, token, await deploy(t, token, db.uuid), 120_000)
  assert.equal(d.status, 'finished', d.message)
  const full = (await t.call(token, 'GET', `/api/v1/databases/${db.uuid}`)).body
  const password = decodeURIComponent(new URL(full.internal_url).password)
  return {
    uuid: db.uuid as string,
    name: db.name as string,
    project: composeProjectName(db.uuid),
    container: `${composeProjectName(db.uuid)}-${type}-1`,
    database: full.database as string,
    password,
  }
}

/** Waits until a run has ended; returns it. */
export async function waitForRun(t: TestApp, token: string, runId: string, timeoutMs = 120_000): Promise<any> {
  return waitFor(
    `backup run ${runId} to end`,
    async () => {
      const r = (await t.call(token, 'GET', `/api/v1/backup-runs/${runId}`)).body
      return r.status === 'succeeded' || r.status === 'failed' ? r : undefined
    },
    timeoutMs,
    200,
  )
}

export async function runLog(t: TestApp, token: string, runId: string): Promise<string> {
  const res = await t.call(token, 'GET', `/api/v1/backup-runs/${runId}/log`)
  return res.body.lines.map((l: { output: string }) => l.output).join('\n')
}

/** Runs SQL or a command in a container; stdout. */
export async function execIn(container: string, env: Record<string, string>, argv: string[]): Promise<string> {
  const args = ['exec', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), container, ...argv]
  return (await docker(args)).stdout
}

/** Creates and deploys a Redis database through a running Berth's API; its uuid. */
export async function deployedRedis(api: Api, projectId: string, name: string): Promise<string> {
  const created = await api('POST', `/projects/${projectId}/databases`, { type: 'redis', name, image: REDIS_IMAGE })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const queued = await api('POST', '/deploy', { uuid: created.body.uuid })
  const id = queued.body.deployments[0].deployment_uuid
  const d = await waitFor(
    'the database deployment',
    async () => {
      const got = (await api('GET', `/deployments/${id}`)).body
      return ENDED.includes(got.status) && got
    },
    90_000,
    200,
  )
  assert.equal(d.status, 'finished', d.message)
  return created.body.uuid
}

/**
 * The throw-away restore-check containers of a backup run that are still there (none once its check
 * ended). Only the run's own: they are named after it, and other runs on the engine may be checking.
 */
export async function verifyContainersOf(runId: string): Promise<string> {
  const filters = ['label=berth.helper=database-backups-verify', `name=berth-verify-${runId.slice(0, 8)}-`]
  return (await docker(['ps', '-aq', ...filters.flatMap((f) => ['--filter', f])])).stdout.trim()
}
