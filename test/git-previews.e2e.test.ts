// Preview deployments end to end: the local Git server, the real Docker engine and a real Caddy
// routing Berth's configuration. A pull request opened (GitHub's event) deploys its branch as a
// service of its own on pr-<n>.<domain> beside the running service; new commits (GitLab's merge
// request event) redeploy it; closing it removes its containers, its volumes and its domain.
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { startCaddyWithApp } from './support/caddy.js'
import { createService, logText, waitForEnd, waitForFinished } from './support/deploy-helpers.js'
import {
  TEST_IMAGE,
  docker,
  freePort,
  httpGet,
  httpdCompose,
  removeBuiltImages,
  removeProject,
  requireDocker,
  waitFor,
} from './support/docker.js'
import { requireTools } from './support/external-tools.js'
import { startGitServer } from './support/git-server.js'
import { proxyRequest } from './support/traefik.js'

const dockerfile = `FROM ${TEST_IMAGE}\nCOPY index.html /www/index.html\n`
const PREVIEW_HOST = 'pr-7.preview.berth.test'

describe('preview deployments of pull/merge requests', () => {
  it('deploys an opened request on pr-<n>.<domain>, redeploys its new commits and removes it when closed', {
    timeout: 240_000,
  }, async (ctx) => {
    if (!requireTools(ctx, [['caddy', ['version']]]) || !(await requireDocker(ctx))) return
    const cleanup: (() => void | Promise<void>)[] = []
    try {
      const { caddy, app: t, admin: root } = await startCaddyWithApp(cleanup, 'berth-previews-')
      const gitServer = await startGitServer()
      cleanup.push(() => gitServer.close())
      const repo = gitServer.createRepo('previewed')
      cleanup.push(() => repo.remove())
      const projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: `previews-${Date.now()}` })).body.uuid
      const port = await freePort()
      const serviceId = await createService(
        t,
        root,
        projectId,
        'site',
        httpdCompose(port, '    volumes:\n      - data:/data\nvolumes:\n  data: {}\n'),
      )
      const builtFor = [serviceId]
      cleanup.push(async () => {
        for (const id of builtFor) await removeBuiltImages(id)
      })
      // After the images in the list, so before them when it runs backwards.
      cleanup.push(() => removeProject(composeProjectName(serviceId)))
      await t.call(root, 'PUT', `/api/v1/services/${serviceId}/env`, { GREETING: { value: 'hi', secret: true } })

      repo.push({ Dockerfile: dockerfile, 'index.html': 'main page\n' }, 'Main page')
      const put = await t.call(root, 'PUT', `/api/v1/services/${serviceId}/git`, {
        repo_url: repo.url,
        dockerfile_path: 'Dockerfile',
        compose_service: 'web',
        preview_domain: 'preview.berth.test',
        preview_port: 80,
      })
      assert.equal(put.status, 200, JSON.stringify(put.body))
      const secret = (await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/webhook-secret`)).body.secret
      const main = await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/deploy`, {})
      await waitForFinished(t, root, main.body.deployment_uuid)
      const mainPage = async () => (await httpGet(`http://127.0.0.1:${port}/`))?.body.trim()
      assert.equal(await waitFor('the main page', mainPage, 20_000), 'main page')

      const send = (headers: Record<string, string>, body: object) =>
        t.server.inject({
          method: 'POST',
          url: `/api/v1/webhooks/git/${serviceId}`,
          headers: { 'content-type': 'application/json', ...headers },
          payload: JSON.stringify(body),
        })
      const github = (action: string, sha: string) => {
        const body = {
          action,
          number: 7,
          pull_request: { number: 7, head: { ref: 'feature', sha }, base: { ref: 'main' } },
        }
        const signature = createHmac('sha256', secret).update(JSON.stringify(body)).digest('hex')
        return send({ 'x-github-event': 'pull_request', 'x-hub-signature-256': `sha256=${signature}` }, body)
      }
      const previewPage = async () => {
        const res = await proxyRequest(caddy.ip, PREVIEW_HOST).catch(() => undefined)
        // Caddy answers a host it has no route for with an empty 200.
        return res?.status === 200 && res.text.trim() !== '' ? res.text.trim() : undefined
      }

      // Opened: the branch builds and runs as its own service, routed on pr-7.
      const first = repo.push({ 'index.html': 'feature one\n' }, 'Feature one', 'feature')
      const opened = await github('opened', first)
      assert.equal(opened.statusCode, 202, opened.body)
      assert.equal(opened.json().queued, true)
      const done = await waitForFinished(t, root, opened.json().deployment_uuid)
      assert.equal(done.git.commit, first)
      assert.equal(await waitFor('the preview through Caddy', previewPage, 30_000), 'feature one')
      assert.equal(await mainPage(), 'main page', 'the service itself is untouched')
      const source = (await t.call(root, 'GET', `/api/v1/services/${serviceId}/git`)).body
      assert.equal(source.previews.length, 1)
      const preview = source.previews[0]
      builtFor.push(preview.service_uuid)
      cleanup.push(() => removeProject(composeProjectName(preview.service_uuid)))
      assert.deepEqual(
        { number: preview.number, branch: preview.branch, host: preview.host },
        { number: 7, branch: 'feature', host: PREVIEW_HOST },
      )
      const previewService = (await t.call(root, 'GET', `/api/v1/services/${preview.service_uuid}`)).body
      assert.equal(previewService.name, 'site-pr-7')
      const previewCompose = (await t.call(root, 'GET', `/api/v1/services/${preview.service_uuid}/compose`)).body.yaml
      assert.doesNotMatch(previewCompose, /ports:/, 'no host port to collide with the service')
      const env = (await t.call(root, 'GET', `/api/v1/services/${preview.service_uuid}/env`)).body.env
      assert.deepEqual(
        [env.GREETING.value, env.GREETING.secret],
        ['hi', true],
        'the variables are copied, secret kept secret',
      )

      // New commits, as GitLab announces them: the preview follows.
      const second = repo.push({ 'index.html': 'feature two\n' }, 'Feature two', 'feature')
      const mr = {
        object_kind: 'merge_request',
        object_attributes: {
          iid: 7,
          action: 'update',
          source_branch: 'feature',
          target_branch: 'main',
          last_commit: { id: second },
        },
      }
      const updated = await send({ 'x-gitlab-event': 'Merge Request Hook', 'x-gitlab-token': secret }, mr)
      assert.equal(updated.statusCode, 202, updated.body)
      await waitForFinished(t, root, updated.json().deployment_uuid)
      await waitFor('the preview to show the new commit', async () => (await previewPage()) === 'feature two', 30_000)

      // Closed: containers, volumes and the domain go; the service keeps running.
      const previewProject = composeProjectName(preview.service_uuid)
      const volume = `${previewProject}_data`
      assert.equal((await docker(['volume', 'ls', '--quiet', '--filter', `name=${volume}`])).stdout.trim(), volume)
      const closed = await github('closed', second)
      assert.equal(closed.statusCode, 202, closed.body)
      assert.equal(closed.json().queued, false)
      assert.equal((await t.call(root, 'GET', `/api/v1/services/${preview.service_uuid}`)).status, 404)
      const history = (await t.call(root, 'GET', `/api/v1/deployments/services/${preview.service_uuid}`)).body
      const removal = history.deployments.find((d: any) => d.action === 'remove')
      const removed = await waitForEnd(t, root, removal.deployment_uuid)
      assert.equal(removed.status, 'finished', await logText(t, root, removal.deployment_uuid))
      assert.equal(
        (await docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${previewProject}`])).stdout,
        '',
      )
      assert.equal((await docker(['volume', 'ls', '--quiet', '--filter', `name=${volume}`])).stdout.trim(), '')
      const domains = (await t.call(root, 'GET', `/api/v1/projects/${projectId}/domains`)).body.domains
      assert.ok(!domains.some((d: any) => d.full_domain === PREVIEW_HOST), JSON.stringify(domains))
      await waitFor('the preview host to stop answering', async () => (await previewPage()) === undefined, 20_000)
      assert.equal(await mainPage(), 'main page')
      assert.deepEqual((await t.call(root, 'GET', `/api/v1/services/${serviceId}/git`)).body.previews, [])
    } finally {
      for (const step of cleanup.reverse()) await step()
    }
  })
})
