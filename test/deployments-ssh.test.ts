import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { freePort, httpGet, httpdCompose, removeProject, requireDocker, waitFor } from './support/docker.js'
import { createService, deploy, logText, waitForEnd } from './support/deploy-helpers.js'
import { startTestApp, type TestApp } from './support/harness.js'
import { requireSshd, startSshd, type TestSshd } from './support/sshd.js'

describe('deployments to a server over ssh://', () => {
  let t: TestApp
  let root: string
  let sshd: TestSshd | undefined
  const projects: string[] = []

  before(async () => {
    t = await startTestApp()
    root = await t.token(['root'])
  })
  after(async () => {
    try {
      await t.close()
    } finally {
      await sshd?.stop()
      for (const p of projects) await removeProject(p)
    }
  })

  it('checks the server and deploys through ssh://root@127.0.0.1 with a stored key', async (ctx) => {
    if (!(await requireDocker(ctx)) || !requireSshd(ctx)) return
    sshd = await startSshd()
    const created = await t.call(root, 'POST', '/api/v1/servers', {
      name: 'over-ssh',
      docker_host: `ssh://root@127.0.0.1:${sshd.port}`,
      private_key: sshd.privateKey,
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.equal(created.body.has_private_key, true)
    assert.ok(!JSON.stringify(created.body).includes('PRIVATE KEY'))
    const stored = await t.app.db
      .selectFrom('servers')
      .select('ssh_private_key')
      .where('id', '=', created.body.uuid)
      .executeTakeFirstOrThrow()
    assert.match(stored.ssh_private_key!, /^enc:v1:/)

    const check = await t.call(root, 'POST', `/api/v1/servers/${created.body.uuid}/check`)
    assert.equal(check.status, 200)
    assert.equal(check.body.reachable, true, JSON.stringify(check.body))
    assert.match(check.body.engine_version, /^\d+\.\d+/)
    assert.match(check.body.compose_version, /^\d+\.\d+/)
    const listed = await t.call(root, 'GET', '/api/v1/servers')
    assert.equal(listed.body.servers.find((s: any) => s.uuid === created.body.uuid).state.reachable, true)

    const projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'remote' })).body.uuid
    const port = await freePort()
    const id = await createService(t, root, projectId, 'remote-web', httpdCompose(port))
    projects.push(composeProjectName(id))
    assert.equal(
      (await t.call(root, 'PUT', `/api/v1/services/${id}/server`, { server_uuid: created.body.uuid })).status,
      200,
    )
    const d = await waitForEnd(t, root, await deploy(t, root, id))
    assert.equal(d.status, 'finished', await logText(t, root, d.deployment_uuid, true))
    assert.equal(d.server_name, 'over-ssh')
    assert.equal(
      (await waitFor('httpd over ssh to answer', () => httpGet(`http://127.0.0.1:${port}/`), 20_000)).body.trim(),
      'ok',
    )
    assert.match(await logText(t, root, d.deployment_uuid, true), /DOCKER_HOST=ssh:\/\/root@127\.0\.0\.1/)
    assert.doesNotMatch(
      await logText(t, root, d.deployment_uuid),
      /DOCKER_HOST=/,
      'the transport line is hidden by default',
    )

    // The key file Berth wrote for ssh is private to its owner.
    const sshDir = join(t.dataDir, 'ssh', created.body.uuid)
    for (const f of readdirSync(sshDir))
      if (f !== 'bin' && f !== 'known_hosts') assert.equal(statSync(join(sshDir, f)).mode & 0o077, 0, `${f} is private`)
    assert.ok(readFileSync(join(sshDir, 'id_key'), 'utf8').includes('PRIVATE KEY'))
  })
})
