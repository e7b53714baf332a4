// A Git source cloned over ssh:// with the deploy key Berth generates: a real sshd of the test's own
// (test/support/sshd.ts) serving a bare repository, the real Docker engine building it. Until the
// key is added to the server, a deployment fails saying the server refused the key.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { createService, logText, waitForEnd, waitForFinished, waitForRemoval } from './support/deploy-helpers.js'
import { TEST_IMAGE, docker, freePort, httpGet, removeProject, requireDocker, waitFor } from './support/docker.js'
import { startGitServer } from './support/git-server.js'
import { startTestApp, type TestApp } from './support/harness.js'
import { requireSshd, startSshd, type TestSshd } from './support/sshd.js'

describe('a Git source cloned over ssh:// with a deploy key', () => {
  let t: TestApp
  let root: string
  let sshd: TestSshd | undefined
  let gitServer: Awaited<ReturnType<typeof startGitServer>>
  const cleanup: Array<() => Promise<unknown> | void> = []
  before(async () => {
    t = await startTestApp()
    root = await t.token(['root'])
    gitServer = await startGitServer()
  })
  after(async () => {
    for (const step of cleanup.reverse()) await step()
    await t.close()
    await sshd?.stop()
    await gitServer.close()
  })

  it('clones with the key once the repository trusts it, and says why it cannot before', async (ctx) => {
    if (!(await requireDocker(ctx)) || !requireSshd(ctx)) return
    sshd = await startSshd()
    const repo = gitServer.createRepo('over-ssh')
    cleanup.push(() => repo.remove())
    const sha = repo.push(
      { Dockerfile: `FROM ${TEST_IMAGE}\nCOPY index.html /www/index.html\n`, 'index.html': 'over ssh\n' },
      'Page',
    )

    const projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'git-ssh' })).body.uuid
    const port = await freePort()
    const serviceId = await createService(
      t,
      root,
      projectId,
      'site',
      `services:\n  web:\n    image: ${TEST_IMAGE}\n    command: httpd -f -p 80 -h /www\n    stop_grace_period: 1s\n    ports:\n      - "127.0.0.1:${port}:80"\n`,
    )
    cleanup.push(async () => {
      await removeProject(composeProjectName(serviceId))
      // Absent when the build never ran: nothing to remove then.
      await docker(['rmi', '--force', `berth/${serviceId}:${sha}`]).catch(() => undefined)
    })
    const source = await t.call(root, 'PUT', `/api/v1/services/${serviceId}/git`, {
      repo_url: `ssh://root@127.0.0.1:${sshd.port}${repo.path}`,
      branch: 'main',
      dockerfile_path: 'Dockerfile',
      compose_service: 'web',
      auth: 'ssh',
    })
    assert.equal(source.status, 200, JSON.stringify(source.body))
    const publicKey: string = source.body.deploy_key_public
    assert.match(publicKey, /^ssh-ed25519 \S+ /)

    const refused = await waitForEnd(
      t,
      root,
      (await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/deploy`, {})).body.deployment_uuid,
    )
    assert.equal(refused.status, 'failed')
    assert.match(await logText(t, root, refused.deployment_uuid, true), /Permission denied \(publickey\)/)

    sshd.authorize(publicKey)
    const queued = await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/deploy`, {})
    assert.equal(queued.status, 202, JSON.stringify(queued.body))
    const done = await waitForFinished(t, root, queued.body.deployment_uuid)
    assert.equal(done.git.commit, sha)
    const page = await waitFor(
      'the page',
      async () => (await httpGet(`http://127.0.0.1:${port}/`))?.body.trim(),
      30_000,
    )
    assert.equal(page, 'over ssh')
    assert.ok(
      !(await logText(t, root, done.deployment_uuid, true)).includes('PRIVATE KEY'),
      'the key stays out of the log',
    )

    // Deleting the service takes the images built for it away too: nothing can roll back to them any more.
    assert.equal((await t.call(root, 'DELETE', `/api/v1/services/${serviceId}`)).status, 204)
    const removal = await waitForRemoval(t, serviceId)
    assert.equal(removal.status, 'finished', removal.message ?? '')
    const images = await docker(['images', '--quiet', '--filter', `label=berth.service=${serviceId}`])
    assert.equal(images.stdout.trim(), '', 'no built image is left')
  })
})
