// Gitea/Forgejo and Bitbucket push webhooks end to end: a real push to the local Git server, its
// post-receive record turned into each host's signed request (a fake sender, see
// support/git-forge.ts), Berth building and deploying the pushed commit on the real Docker engine.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { createService, waitForFinished } from './support/deploy-helpers.js'
import {
  TEST_IMAGE,
  freePort,
  httpGet,
  httpdCompose,
  removeBuiltImages,
  removeProject,
  requireDocker,
  waitFor,
} from './support/docker.js'
import { bitbucketPush, deliver, giteaPush } from './support/git-forge.js'
import { startGitServer } from './support/git-server.js'
import { startTestApp, type TestApp } from './support/harness.js'

const dockerfile = `FROM ${TEST_IMAGE}\nCOPY index.html /www/index.html\n`

describe('push webhooks of Gitea and Bitbucket from a real push', () => {
  let t: TestApp
  let root: string
  let serviceId: string
  let port: number
  let secret: string
  let gitServer: Awaited<ReturnType<typeof startGitServer>>
  let repo: ReturnType<Awaited<ReturnType<typeof startGitServer>>['createRepo']>

  before(async () => {
    gitServer = await startGitServer()
    repo = gitServer.createRepo('hooks')
    t = await startTestApp()
    root = await t.token(['root'])
    const projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: `hosts-${Date.now()}` })).body.uuid
    port = await freePort()
    serviceId = await createService(t, root, projectId, 'site', httpdCompose(port))
    repo.push({ Dockerfile: dockerfile, 'index.html': 'start\n' }, 'Start')
    const put = await t.call(root, 'PUT', `/api/v1/services/${serviceId}/git`, {
      repo_url: repo.url,
      dockerfile_path: 'Dockerfile',
      compose_service: 'web',
    })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    secret = (await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/webhook-secret`)).body.secret
  })
  after(async () => {
    await t.close()
    await removeProject(composeProjectName(serviceId))
    await removeBuiltImages(serviceId)
    repo.remove()
    await gitServer.close()
  })

  const page = (expected: string) =>
    waitFor(
      `the page to say ${expected}`,
      async () => (await httpGet(`http://127.0.0.1:${port}/`))?.body.trim() === expected,
      30_000,
    )

  for (const [host, sign] of [
    ['Gitea', giteaPush],
    ['Bitbucket', bitbucketPush],
  ] as const)
    it(`deploys the commit a ${host} push webhook names; refuses its bad signature; ignores other branches`, async (ctx) => {
      if (!(await requireDocker(ctx))) return
      const sha = repo.push({ 'index.html': `pushed to ${host}\n` }, `Change for ${host}`)
      const push = repo.lastPush()
      assert.deepEqual(push.after, sha)
      assert.equal(push.ref, 'refs/heads/main')

      const forged = sign(push, 'hooks', 'not-the-secret')
      const refused = await deliver(t.server, serviceId, forged)
      assert.equal(refused.statusCode, 401, refused.body)

      const res = await deliver(t.server, serviceId, sign(push, 'hooks', secret))
      assert.equal(res.statusCode, 202, res.body)
      assert.equal(res.json().queued, true)
      const done = await waitForFinished(t, root, res.json().deployment_uuid)
      assert.equal(done.trigger, 'webhook')
      assert.equal(done.git.commit, sha)
      await page(`pushed to ${host}`)

      repo.push({ 'index.html': 'elsewhere\n' }, 'Elsewhere', `topic-${host.toLowerCase()}`)
      const other = await deliver(t.server, serviceId, sign(repo.lastPush(), 'hooks', secret))
      assert.equal(other.statusCode, 202, other.body)
      assert.equal(other.json().queued, false)
      assert.match(other.json().message, new RegExp(`a push to topic-${host.toLowerCase()}, not main`))
    })
})
