// Applications from Git end to end: a real Git server (git http-backend), the real Docker engine,
// Berth's worker building and deploying, webhooks signed like GitHub's, rollback without rebuild.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { TEST_IMAGE, docker, freePort, httpGet, removeProject, requireDocker, waitFor } from './support/docker.js'
import { createService, logText, waitForEnd, waitForFinished } from './support/deploy-helpers.js'
import { startGitServer } from './support/git-server.js'
import { berth } from './support/cli.js'
import { databaseEnvFor } from './support/dialect.js'
import { startTestApp, type TestApp } from './support/harness.js'

const GIT_TOKEN = 'gitapps-token-5a4b3c2d1e'

const dockerfile = `FROM ${TEST_IMAGE}\nCOPY index.html /www/index.html\n`

describe('applications from Git on a real Git server and Docker engine', () => {
  let t: TestApp
  let root: string
  let serviceId: string
  let projectId: string
  let port: number
  let gitServer: Awaited<ReturnType<typeof startGitServer>>
  let repo: ReturnType<Awaited<ReturnType<typeof startGitServer>>['createRepo']>
  let secret: string
  const firstCommit: { sha?: string; deployment?: string } = {}

  before(async () => {
    gitServer = await startGitServer({ token: GIT_TOKEN })
    repo = gitServer.createRepo('site')
    t = await startTestApp()
    root = await t.token(['root'])
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: `gitapps-${Date.now()}` })).body.uuid
    port = await freePort()
    serviceId = await createService(
      t,
      root,
      projectId,
      'site',
      `services:\n  web:\n    image: ${TEST_IMAGE}\n    command: httpd -f -p 80 -h /www\n    stop_grace_period: 1s\n    ports:\n      - "127.0.0.1:${port}:80"\n`,
    )
  })
  after(async () => {
    await t.close()
    await removeProject(composeProjectName(serviceId))
    const images = await docker(['images', '--quiet', '--filter', `reference=berth/${serviceId}`])
    const ids = [...new Set(images.stdout.split('\n').filter(Boolean))]
    if (ids.length > 0) await docker(['rmi', '--force', ...ids])
    repo.remove()
    await gitServer.close()
  })

  const page = () => waitFor('the page', async () => (await httpGet(`http://127.0.0.1:${port}/`))?.body.trim(), 30_000)

  function webhook(body: object, headers: Record<string, string>) {
    return t.server.inject({
      method: 'POST',
      url: `/api/v1/webhooks/git/${serviceId}`,
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(body),
    })
  }
  const signed = (body: object, key = secret) => ({
    'x-github-event': 'push',
    'x-hub-signature-256': `sha256=${createHmac('sha256', key).update(JSON.stringify(body)).digest('hex')}`,
  })

  it('builds the Dockerfile of the branch head with the HTTPS token and deploys it; the page answers', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    firstCommit.sha = repo.push({ Dockerfile: dockerfile, 'index.html': 'version one\n' }, 'First page')
    const source = await t.call(root, 'PUT', `/api/v1/services/${serviceId}/git`, {
      repo_url: repo.url,
      branch: 'main',
      dockerfile_path: 'Dockerfile',
      compose_service: 'web',
      auth: 'token',
      https_token: GIT_TOKEN,
    })
    assert.equal(source.status, 200, JSON.stringify(source.body))
    assert.equal(source.body.https_token_set, true)
    assert.ok(!JSON.stringify(source.body).includes(GIT_TOKEN), 'the token is never shown')
    const queued = await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/deploy`, {})
    assert.equal(queued.status, 202, JSON.stringify(queued.body))
    const done = await waitForFinished(t, root, queued.body.deployment_uuid)
    firstCommit.deployment = done.deployment_uuid
    assert.deepEqual(done.git, {
      ref: 'main',
      commit: firstCommit.sha,
      message: 'First page',
      author: 'Ada Tester <ada@example.com>',
      image: `berth/${serviceId}:${firstCommit.sha}`,
    })
    assert.equal(await page(), 'version one')
    const log = await logText(t, root, done.deployment_uuid)
    assert.match(log, /\$ docker compose build \(BuildKit\) --tag berth\//)
    assert.ok(!log.includes(GIT_TOKEN), 'the token is not in the log')
    const compose = await t.call(root, 'GET', `/api/v1/services/${serviceId}/compose`)
    assert.equal(compose.body.description, `Commit ${firstCommit.sha!.slice(0, 12)}: First page`)
    assert.match(compose.body.yaml, new RegExp(`image: berth/${serviceId}:${firstCommit.sha}`))
  })

  it('deploys the pushed commit when a signed push webhook arrives; the page shows the change', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    secret = (await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/webhook-secret`)).body.secret
    const sha = repo.push({ 'index.html': 'version two\n' }, 'Second page')
    const body = { ref: 'refs/heads/main', after: sha }
    const res = await webhook(body, signed(body))
    assert.equal(res.statusCode, 202, res.body)
    const outcome = res.json()
    assert.equal(outcome.queued, true)
    const done = await waitForFinished(t, root, outcome.deployment_uuid)
    assert.equal(done.trigger, 'webhook')
    assert.equal(done.git.commit, sha)
    assert.equal(await page(), 'version two')
  })

  it('refuses a bad signature with 401 and an audit row, and ignores a push to another branch', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const body = { ref: 'refs/heads/main', after: firstCommit.sha }
    const bad = await webhook(body, signed(body, 'not-the-secret'))
    assert.equal(bad.statusCode, 401, bad.body)
    assert.equal(bad.json().error.code, 'unauthorized')
    const audit = await t.call(root, 'GET', `/api/v1/audit?action=git_source.webhook_refused&resource_id=${serviceId}`)
    assert.equal(audit.body.items.length, 1, JSON.stringify(audit.body))
    assert.match(audit.body.items[0].details.reason, /X-Hub-Signature-256/)
    const before = (await t.call(root, 'GET', `/api/v1/deployments/services/${serviceId}`)).body.count
    const sha = repo.push({ 'index.html': 'feature\n' }, 'Feature work', 'feature')
    const other = { ref: 'refs/heads/feature', after: sha }
    const ignored = await webhook(other, signed(other))
    assert.equal(ignored.statusCode, 202, ignored.body)
    assert.equal(ignored.json().queued, false)
    assert.equal((await t.call(root, 'GET', `/api/v1/deployments/services/${serviceId}`)).body.count, before)
  })

  it('leaves the running version untouched when a build fails', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const sha = repo.push({ Dockerfile: `${dockerfile}RUN exit 7\n`, 'index.html': 'broken\n' }, 'Broken build')
    const body = { ref: 'refs/heads/main', after: sha }
    const res = await webhook(body, signed(body))
    const done = await waitForEnd(t, root, res.json().deployment_uuid)
    assert.equal(done.status, 'failed', await logText(t, root, done.deployment_uuid))
    assert.match(done.message, /^docker build failed/)
    assert.equal(await page(), 'version two')
  })

  it('stops a running build when the deployment is cancelled', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    // Marked, so the step's process can be told from any other test's on this machine.
    const mark = `slow-build-${Date.now()}`
    const sha = repo.push({ Dockerfile: `${dockerfile}RUN sleep 120 && echo ${mark}\n` }, 'Slow build', 'slow')
    const queued = await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/deploy`, { commit: sha })
    assert.equal(queued.status, 202, JSON.stringify(queued.body))
    const id = queued.body.deployment_uuid
    await waitFor(
      'the build to run its slow step',
      async () => /RUN sleep 120/.test(await logText(t, root, id)),
      30_000,
    )
    // Seen running first, so its end below is the cancel's doing, not a process never looked at.
    await waitFor("the build step's process", async () => spawnSync('pgrep', ['-f', mark]).status === 0, 15_000)
    const started = Date.now()
    const cancel = await t.call(root, 'POST', `/api/v1/deployments/${id}/cancel`)
    assert.equal(cancel.status, 202, `${JSON.stringify(cancel.body)}\n${await logText(t, root, id)}`)
    const done = await waitForEnd(t, root, id, 30_000)
    assert.equal(done.status, 'cancelled-by-user')
    assert.ok(Date.now() - started < 15_000, 'the build did not run to its end')
    // The engine's BuildKit stops the step too (its processes run on this machine's kernel).
    await waitFor("the build step's process to end", async () => spawnSync('pgrep', ['-f', mark]).status === 1, 15_000)
    assert.equal(await page(), 'version two')
  })

  it('builds the commit the CLI names (berth deploy --service --commit)', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const commits = (await t.call(root, 'GET', `/api/v1/deployments/services/${serviceId}`)).body.deployments
    const second = commits.find((d: any) => d.git?.message === 'Second page').git.commit
    const cli = berth(['deploy', '--service', serviceId, '--commit', second], {
      BERTH_DATA_DIR: t.dataDir,
      ...(await databaseEnvFor(t.dataDir)),
    })
    assert.equal(cli.status, 0, cli.stderr)
    const done = await waitForFinished(t, root, cli.stdout.trim())
    assert.equal(done.trigger, 'cli')
    assert.equal(done.git.commit, second)
    assert.equal(await page(), 'version two')
  })

  it('rolls back to the first build without fetching or rebuilding', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const fetchesBefore = gitServer.requests()
    const res = await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/rollback`, {
      deployment_uuid: firstCommit.deployment,
    })
    assert.equal(res.status, 202, JSON.stringify(res.body))
    const done = await waitForFinished(t, root, res.body.deployment_uuid)
    assert.equal(done.trigger, 'rollback')
    assert.equal(done.git.commit, firstCommit.sha)
    const log = await logText(t, root, done.deployment_uuid)
    assert.ok(!/docker compose build|git fetch/.test(log), log)
    assert.equal(gitServer.requests(), fetchesBefore, 'the Git server was not asked')
    assert.equal(await page(), 'version one')
  })

  it('imports the compose file of a repository as a new version, deployed with the CI deploy token', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const stack = gitServer.createRepo('stack')
    const stackPort = await freePort()
    const stackId = await createService(
      t,
      root,
      projectId,
      'stack',
      `services:\n  placeholder:\n    image: ${TEST_IMAGE}\n`,
    )
    try {
      const compose = `services:\n  www:\n    image: ${TEST_IMAGE}\n    command: httpd -f -p 80 -h /bin\n    stop_grace_period: 1s\n    ports:\n      - "127.0.0.1:${stackPort}:80"\n`
      const sha = stack.push({ 'deploy/compose.yaml': compose }, 'Stack from the repository')
      const put = await t.call(root, 'PUT', `/api/v1/services/${stackId}/git`, {
        repo_url: stack.url,
        base_dir: 'deploy',
        compose_path: 'compose.yaml',
        auth: 'token',
        https_token: GIT_TOKEN,
      })
      assert.equal(put.status, 200, JSON.stringify(put.body))
      const { token, deploy_path } = (await t.call(root, 'POST', `/api/v1/services/${stackId}/git/deploy-token`)).body
      const refused = await t.server.inject({
        method: 'POST',
        url: deploy_path,
        headers: { 'x-berth-deploy-token': 'bdt_wrong' },
      })
      assert.equal(refused.statusCode, 401)
      const res = await t.server.inject({
        method: 'POST',
        url: deploy_path,
        headers: { 'x-berth-deploy-token': token },
      })
      assert.equal(res.statusCode, 202, res.body)
      const done = await waitForFinished(t, root, res.json().deployment_uuid)
      assert.equal(done.git.commit, sha)
      assert.equal(done.git.image, null, 'nothing was built')
      const current = (await t.call(root, 'GET', `/api/v1/services/${stackId}/compose`)).body
      assert.equal(current.yaml, compose)
      assert.equal(current.description, `Commit ${sha.slice(0, 12)}: Stack from the repository`)
      const answer = await waitFor('the stack', () => httpGet(`http://127.0.0.1:${stackPort}/`), 30_000)
      assert.equal(answer.status, 404, 'httpd of the imported compose file answers')
    } finally {
      await removeProject(composeProjectName(stackId))
      stack.remove()
    }
  })

  it('keeps the images of the last N successful deployments and prunes older ones', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const images = async () =>
      (await docker(['images', '--filter', `label=berth.service=${serviceId}`, '--format', '{{.Tag}}'])).stdout
        .split('\n')
        .filter(Boolean)
        .sort()
    assert.equal((await images()).length, 2, 'two builds succeeded')
    const source = (await t.call(root, 'GET', `/api/v1/services/${serviceId}/git`)).body
    const put = await t.call(root, 'PUT', `/api/v1/services/${serviceId}/git`, {
      repo_url: source.repo_url,
      dockerfile_path: 'Dockerfile',
      compose_service: 'web',
      auth: 'token',
      keep_images: 1,
    })
    assert.equal(put.status, 200, JSON.stringify(put.body))
    const pruned = await t.app.pruneBuildImages()
    assert.deepEqual(pruned, { removed: 1, refused: [] })
    // The rollback was the latest successful deployment: its image (the first build) stays.
    assert.deepEqual(await images(), [firstCommit.sha])
  })
})
