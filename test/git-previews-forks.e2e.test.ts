// A pull request from a fork, as Bitbucket announces it (a FAKE of its webhook sender,
// support/git-forge.ts), on the local Git server and the real Docker engine: the preview is built
// from the fork's repository (the clone URL from the payload), and the fork's code gets none of
// the service's secrets, neither the build secret its Dockerfile asks for nor the secret variable
// its container would read (previews of forks default to that).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { createService, logText, waitForFinished } from './support/deploy-helpers.js'
import { TEST_IMAGE, docker, removeBuiltImages, removeProject, requireDocker } from './support/docker.js'
import { bitbucketPullRequest, deliver } from './support/git-forge.js'
import { startGitServer } from './support/git-server.js'
import { startTestApp, type TestApp } from './support/harness.js'

const API_KEY = 'api-key-of-the-service-4d2c'
const NPM_TOKEN = 'npm-token-of-the-service-9b1e'
// Reads the build secret when it is given, and says "none" when it is not.
const dockerfile = `FROM ${TEST_IMAGE}
RUN --mount=type=secret,id=NPM_TOKEN mkdir -p /www && (cat /run/secrets/NPM_TOKEN 2>/dev/null || echo none) > /www/secret.txt
COPY index.html /www/index.html
`
const compose = `services:
  web:
    image: ${TEST_IMAGE}
    command: httpd -f -p 80 -h /www
    stop_grace_period: 1s
    environment:
      API_KEY: \${API_KEY:-unset}
`

describe('previews of pull requests from forks', () => {
  let t: TestApp
  let root: string
  let serviceId: string
  let gitServer: Awaited<ReturnType<typeof startGitServer>>
  const built: string[] = []

  before(async () => {
    gitServer = await startGitServer()
    t = await startTestApp()
    root = await t.token(['root'])
    const projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: `forks-${Date.now()}` })).body.uuid
    serviceId = await createService(t, root, projectId, 'forked', compose)
    built.push(serviceId)
  })
  after(async () => {
    await t.close()
    for (const id of built) {
      await removeProject(composeProjectName(id))
      await removeBuiltImages(id)
    }
    await gitServer.close()
  })

  it("builds the fork's branch without the service's secrets", { timeout: 120_000 }, async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const upstream = gitServer.createRepo('upstream')
    const fork = gitServer.createRepo('eve-upstream')
    try {
      upstream.push({ Dockerfile: dockerfile, 'index.html': 'upstream\n' }, 'Upstream')
      const sha = fork.push({ Dockerfile: dockerfile, 'index.html': 'from the fork\n' }, 'Fork change', 'patch')
      await t.call(root, 'PUT', `/api/v1/services/${serviceId}/env`, { API_KEY: { value: API_KEY, secret: true } })
      const put = await t.call(root, 'PUT', `/api/v1/services/${serviceId}/git`, {
        repo_url: upstream.url,
        dockerfile_path: 'Dockerfile',
        compose_service: 'web',
        build_secrets: { NPM_TOKEN },
        preview_domain: 'preview.forks.test',
        preview_port: 80,
      })
      assert.equal(put.status, 200, JSON.stringify(put.body))
      assert.equal(put.body.preview_fork_secrets, false, 'off unless the service allows it')
      const secret = (await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/webhook-secret`)).body.secret

      const web = (url: string) => url.replace(/\.git$/, '')
      const request = bitbucketPullRequest(
        {
          id: 12,
          branch: 'patch',
          source: { fullName: 'eve/upstream', webUrl: web(fork.url) },
          destination: { fullName: 'acme/upstream', webUrl: web(upstream.url) },
        },
        secret,
      )
      const res = await deliver(t.server, serviceId, request)
      assert.equal(res.statusCode, 202, res.body)
      const [preview] = (await t.call(root, 'GET', `/api/v1/services/${serviceId}/git`)).body.previews
      built.push(preview.service_uuid)
      assert.equal(preview.fork, fork.url)
      const done = await waitForFinished(t, root, res.json().deployment_uuid)
      assert.equal(done.git.commit, sha, "the fork's head, fetched from the fork")

      const files = await docker([
        'run',
        '--rm',
        '--network',
        'none',
        done.git.image,
        'cat',
        '/www/index.html',
        '/www/secret.txt',
      ])
      assert.equal(files.stdout, 'from the fork\nnone\n', 'built from the fork, without the build secret')
      const project = composeProjectName(preview.service_uuid)
      const container = (
        await docker(['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`])
      ).stdout.trim()
      assert.ok(container, 'the preview runs')
      const env = (await docker(['inspect', '--format', '{{range .Config.Env}}{{println .}}{{end}}', container])).stdout
      assert.match(env, /^API_KEY=unset$/m, 'the secret variable is not given to the fork')
      const log = await logText(t, root, done.deployment_uuid)
      assert.ok(!log.includes(API_KEY) && !log.includes(NPM_TOKEN), log)
    } finally {
      upstream.remove()
      fork.remove()
    }
  })
})
