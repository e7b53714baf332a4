import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { createService, deploy, waitForFinished, waitForRemoval } from './support/deploy-helpers.js'
import { TEST_IMAGE, docker, removeProject, requireDocker } from './support/docker.js'
import { startTestApp, type TestApp } from './support/harness.js'

const WITH_VOLUME = `services:\n  app:\n    image: ${TEST_IMAGE}\n    command: sleep 600\n    stop_grace_period: 1s\n    volumes:\n      - data:/data\nvolumes:\n  data: {}\n`

describe('deleting a deployed service or project', () => {
  let t: TestApp
  let token: string
  const projects: string[] = []
  before(async () => {
    t = await startTestApp()
    token = await t.token(['root'])
  })
  after(async () => {
    for (const p of projects) await removeProject(p)
    await t.close()
  })

  const containersOf = async (project: string) =>
    (await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])).stdout.trim()
  const volumeExists = async (name: string) =>
    (await docker(['volume', 'ls', '-q', '--filter', `name=^${name}$`])).stdout.trim() === name
  async function deployedService(projectName: string) {
    const projectId = (await t.call(token, 'POST', '/api/v1/projects', { name: projectName })).body.uuid
    const serviceId = await createService(t, token, projectId, 'app', WITH_VOLUME)
    projects.push(composeProjectName(serviceId))
    await waitForFinished(t, token, await deploy(t, token, serviceId))
    const project = composeProjectName(serviceId)
    assert.notEqual(await containersOf(project), '', 'it runs before the deletion')
    assert.ok(await volumeExists(`${project}_data`))
    return { projectId, serviceId, project }
  }

  it("takes a deleted service's containers down and keeps its named volume unless asked", async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const { serviceId, project } = await deployedService('deleting-service')
    assert.equal((await t.call(token, 'DELETE', `/api/v1/services/${serviceId}`)).status, 204)
    const removal = await waitForRemoval(t, serviceId)
    assert.equal(removal.status, 'finished', removal.message ?? '')
    assert.equal(await containersOf(project), '', 'no container is left running unmanaged')
    assert.ok(await volumeExists(`${project}_data`), 'the data volume is kept')
    const audit = await t.call(token, 'GET', `/api/v1/audit?action=service.deleted&resource_id=${serviceId}`)
    assert.equal(audit.body.items[0].details.removal_deployment_id, removal.id)
  })

  it("deletes a project's volumes too with delete_volumes=true", async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const { projectId, serviceId, project } = await deployedService('deleting-project')
    assert.equal((await t.call(token, 'DELETE', `/api/v1/projects/${projectId}?delete_volumes=true`)).status, 204)
    assert.equal((await waitForRemoval(t, serviceId)).status, 'finished')
    assert.equal(await containersOf(project), '')
    assert.equal(await volumeExists(`${project}_data`), false, 'the volume is gone as asked')
  })

  it('queues nothing for a service that was never deployed', async () => {
    const projectId = (await t.call(token, 'POST', '/api/v1/projects', { name: 'never-deployed' })).body.uuid
    const serviceId = await createService(t, token, projectId, 'idle', WITH_VOLUME)
    assert.equal((await t.call(token, 'DELETE', `/api/v1/services/${serviceId}`)).status, 204)
    assert.equal(
      (await t.app.db.selectFrom('deployments').select('id').where('resource_id', '=', serviceId).execute()).length,
      0,
    )
  })
})
