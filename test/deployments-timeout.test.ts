import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { SLOW_COMPOSE, removeProject, requireDocker } from './support/docker.js'
import { createService, deploy, logText, waitForEnd } from './support/deploy-helpers.js'
import { startTestApp, type TestApp } from './support/harness.js'

describe('deployment timeout', () => {
  let t: TestApp
  let root: string
  const projects: string[] = []

  before(async () => {
    t = await startTestApp({ BERTH_DEPLOY_TIMEOUT_SECONDS: '2' })
    root = await t.token(['root'])
  })
  after(async () => {
    await t.close()
    for (const p of projects) await removeProject(p)
  })

  it('fails a deployment that runs past its timeout, with a line saying so', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'timeouts' })).body.uuid
    const id = await createService(t, root, projectId, 'forever', SLOW_COMPOSE)
    projects.push(composeProjectName(id))
    const started = Date.now()
    const d = await waitForEnd(t, root, await deploy(t, root, id), 30_000)
    assert.equal(d.status, 'failed')
    assert.equal(d.message, 'timed out after 2 s; the compose process group was killed')
    assert.match(await logText(t, root, d.deployment_uuid), /Deployment failed after [\d.]+ s: timed out after 2 s/)
    assert.ok(Date.now() - started < 20_000)
  })
})
