// A Git service in compose mode whose repository compose file has `build:` sections, on the local
// Git server (git http-backend) and the real Docker engine: each such service is built from the
// checkout with the file's build args and the service's own, tagged with the commit; the stored
// compose version runs those images, so a rollback redeploys them without building.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { createService, logText, waitForEnd, waitForFinished } from './support/deploy-helpers.js'
import {
  TEST_IMAGE,
  freePort,
  httpGet,
  removeBuiltImages,
  removeProject,
  requireDocker,
  waitFor,
} from './support/docker.js'
import { startGitServer } from './support/git-server.js'
import { startTestApp, type TestApp } from './support/harness.js'

const siteDockerfile = `FROM ${TEST_IMAGE}\nARG GREETING\nARG COLOR\nRUN echo "$GREETING $COLOR" > /www/index.html\n`

const composeFile = (port: number) => `services:
  www:
    build:
      context: ../site
      args:
        GREETING: from-the-file
    command: httpd -f -p 80 -h /www
    stop_grace_period: 1s
    ports:
      - "127.0.0.1:${port}:80"
  side:
    image: ${TEST_IMAGE}
    command: sleep 3600
    stop_grace_period: 1s
`

describe('compose-mode Git services with build sections', () => {
  let t: TestApp
  let root: string
  let serviceId: string
  let port: number
  let gitServer: Awaited<ReturnType<typeof startGitServer>>
  let repo: ReturnType<Awaited<ReturnType<typeof startGitServer>>['createRepo']>
  const first: { sha?: string; deployment?: string } = {}

  before(async () => {
    gitServer = await startGitServer()
    repo = gitServer.createRepo('compose-build')
    t = await startTestApp()
    root = await t.token(['root'])
    const projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: `compose-build-${Date.now()}` })).body
      .uuid
    port = await freePort()
    serviceId = await createService(
      t,
      root,
      projectId,
      'stack',
      `services:\n  placeholder:\n    image: ${TEST_IMAGE}\n`,
    )
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

  it('builds the file’s build sections from the checkout with its args and the service’s, and runs them', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    first.sha = repo.push(
      { 'deploy/compose.yaml': composeFile(port), 'site/Dockerfile': siteDockerfile },
      'Stack with a built site',
    )
    const put = await t.call(root, 'PUT', `/api/v1/services/${serviceId}/git`, {
      repo_url: repo.url,
      base_dir: 'deploy',
      compose_path: 'compose.yaml',
      build_args: { COLOR: 'blue' },
    })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    const queued = await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/deploy`, {})
    const done = await waitForFinished(t, root, queued.body.deployment_uuid)
    first.deployment = done.deployment_uuid
    assert.equal(done.git.commit, first.sha)
    await page('from-the-file blue')
    const log = await logText(t, root, done.deployment_uuid)
    assert.match(log, /Building service www of the compose file/)
    assert.match(
      log,
      new RegExp(
        `\\$ docker compose build \\(BuildKit\\) --tag berth/${serviceId}-www:${first.sha} --file site/Dockerfile site`,
      ),
    )
    const current = (await t.call(root, 'GET', `/api/v1/services/${serviceId}/compose`)).body
    assert.match(current.yaml, new RegExp(`www:\\n    image: berth/${serviceId}-www:${first.sha}\\n`))
    assert.doesNotMatch(current.yaml, /build:/, 'the stored version runs the built image')
  })

  it('builds the next commit, then rolls back to the first build without building', async (ctx) => {
    if (!(await requireDocker(ctx)) || !first.deployment) return
    repo.push({ 'site/Dockerfile': siteDockerfile.replace('$COLOR', '$COLOR again') }, 'Second site')
    const queued = await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/deploy`, {})
    await waitForFinished(t, root, queued.body.deployment_uuid)
    await page('from-the-file blue again')
    const rollback = await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/rollback`, {
      deployment_uuid: first.deployment,
    })
    assert.equal(rollback.status, 202, JSON.stringify(rollback.body))
    const done = await waitForFinished(t, root, rollback.body.deployment_uuid)
    assert.doesNotMatch(await logText(t, root, done.deployment_uuid), /docker compose build|git fetch/)
    await page('from-the-file blue')
  })

  it('fails a build section that points outside the repository with a sentence, deploying nothing', async (ctx) => {
    if (!(await requireDocker(ctx)) || !first.deployment) return
    repo.push({ 'deploy/compose.yaml': composeFile(port).replace('../site', '../../elsewhere') }, 'Escaping context')
    const queued = await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/deploy`, {})
    const done = await waitForEnd(t, root, queued.body.deployment_uuid)
    assert.equal(done.status, 'failed')
    assert.equal(done.message, 'the build of service "www" points outside the repository (../../elsewhere)')
    await page('from-the-file blue')
  })
})
