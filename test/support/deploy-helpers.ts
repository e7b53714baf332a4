import assert from 'node:assert/strict'
import type { TestApp } from './harness.js'
import { waitFor } from './docker.js'

export const ENDED = ['finished', 'failed', 'cancelled-by-user']

/** Creates a service through the API and returns its uuid. */
export async function createService(
  t: TestApp,
  token: string,
  projectId: string,
  name: string,
  compose: string,
): Promise<string> {
  const res = await t.call(token, 'POST', `/api/v1/projects/${projectId}/services`, { name, compose })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body.uuid
}

/** Queues one deployment and returns its uuid. */
export async function deploy(
  t: TestApp,
  token: string,
  uuid: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const res = await t.call(token, 'POST', '/api/v1/deploy', { uuid, ...extra })
  assert.equal(res.status, 202, JSON.stringify(res.body))
  return res.body.deployments[0].deployment_uuid
}

export async function waitForEnd(t: TestApp, token: string, deploymentId: string, timeoutMs = 90_000): Promise<any> {
  return waitFor(
    `deployment ${deploymentId} to end`,
    async () => {
      const d = (await t.call(token, 'GET', `/api/v1/deployments/${deploymentId}`)).body
      return ENDED.includes(d.status) ? d : undefined
    },
    timeoutMs,
  )
}

export async function logText(t: TestApp, token: string, deploymentId: string, includeHidden = false): Promise<string> {
  const res = await t.call(
    token,
    'GET',
    `/api/v1/deployments/${deploymentId}/logs?limit=5000&include_hidden=${includeHidden}`,
  )
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body.lines.map((l: any) => l.output).join('\n')
}

/** Waits for a deployment that must succeed; when it does not, the failure shows its log (a flaky engine is then diagnosable from CI's output). */
export async function waitForFinished(t: TestApp, token: string, deploymentId: string): Promise<any> {
  const d = await waitForEnd(t, token, deploymentId)
  if (d.status !== 'finished') {
    assert.fail(`deployment ${deploymentId} ended ${d.status}:\n${await logText(t, token, deploymentId, true)}`)
  }
  return d
}

/** The removal deployment a deletion queued for a resource, once it has ended (read from the table: the resource is gone). */
export function waitForRemoval(t: TestApp, resourceId: string) {
  return waitFor(
    `the removal of ${resourceId} to end`,
    async () => {
      const row = await t.app.db
        .selectFrom('deployments')
        .selectAll()
        .where('resource_id', '=', resourceId)
        .where('action', '=', 'remove')
        .executeTakeFirst()
      return row && row.status !== 'queued' && row.status !== 'in_progress' ? row : undefined
    },
    60_000,
    200,
  )
}

/** Waits until a resource has a finished deployment (one queued through the services, no token at hand). */
export function waitForDeployed(t: TestApp, resourceId: string, timeoutMs = 90_000) {
  return waitFor(
    `a finished deployment of ${resourceId}`,
    async () => {
      const rows = await t.app.db
        .selectFrom('deployments')
        .select('status')
        .where('resource_id', '=', resourceId)
        .execute()
      return rows.some((r) => r.status === 'finished')
    },
    timeoutMs,
  )
}
