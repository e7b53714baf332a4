// Build-time secrets of a Git service on the local Git server (git http-backend) and the real
// Docker engine: the repository's Dockerfile reads the secret with `RUN --mount=type=secret` and
// keeps only its hash; the secret reaches the build as a BuildKit secret (through `docker compose
// build`, as this host's CLI has no buildx plugin), never as a build argument, so neither the
// image's history nor its config holds it, and the deployment log shows it redacted.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { REDACTED } from '../src/crypto/redact.js'
import { composeProjectName } from '../src/deployments/resources.js'
import { createService, logText, waitForFinished } from './support/deploy-helpers.js'
import {
  TEST_IMAGE,
  docker,
  freePort,
  httpGet,
  removeBuiltImages,
  removeProject,
  requireDocker,
  waitFor,
} from './support/docker.js'
import { startGitServer } from './support/git-server.js'
import { startTestApp, type TestApp } from './support/harness.js'
import { requireSshd, startSshd, type TestSshd } from './support/sshd.js'

const SECRET = 'npm-token-7f3e9c1b5a2d$HOME'
// Prints the secret too (as a careless build step would), so the log's redaction is put to the test;
// the run's own mark keeps BuildKit from answering the step from an earlier run's cache.
// A build argument with `$` in it arrives as written (the file Compose reads escapes it).
const GREETING = 'costs 5$ or ${HOME}'
const dockerfile = (mark: string) => `FROM ${TEST_IMAGE}
ARG GREETING
RUN --mount=type=secret,id=NPM_TOKEN echo run-${mark} && mkdir -p /www && sha256sum /run/secrets/NPM_TOKEN | cut -d' ' -f1 > /www/secret.sha && echo "token: $(cat /run/secrets/NPM_TOKEN)" && echo "$GREETING" > /www/greeting.txt
COPY index.html /www/index.html
`

describe('build-time secrets of a Git service', () => {
  let t: TestApp
  let root: string
  let projectId: string
  let gitServer: Awaited<ReturnType<typeof startGitServer>>
  let sshd: TestSshd | undefined
  const services: string[] = []

  before(async () => {
    gitServer = await startGitServer()
    t = await startTestApp()
    root = await t.token(['root'])
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: `gitsecrets-${Date.now()}` })).body.uuid
  })
  after(async () => {
    await t.close()
    for (const id of services) {
      await removeProject(composeProjectName(id))
      await removeBuiltImages(id)
    }
    await sshd?.stop()
    await gitServer.close()
  })

  /** A service built from its own repository with a build secret, on the given server (or the local one). */
  async function buildWithSecret(name: string, serverId?: string) {
    const repo = gitServer.createRepo(name)
    try {
      const port = await freePort()
      const serviceId = await createService(
        t,
        root,
        projectId,
        name,
        `services:\n  web:\n    image: ${TEST_IMAGE}\n    command: httpd -f -p 80 -h /www\n    stop_grace_period: 1s\n    ports:\n      - "127.0.0.1:${port}:80"\n`,
      )
      services.push(serviceId)
      if (serverId)
        assert.equal(
          (await t.call(root, 'PUT', `/api/v1/services/${serviceId}/server`, { server_uuid: serverId })).status,
          200,
        )
      const sha = repo.push(
        { Dockerfile: dockerfile(`${name}-${Date.now()}`), 'index.html': 'with a secret\n' },
        'Secret build',
      )
      const source = await t.call(root, 'PUT', `/api/v1/services/${serviceId}/git`, {
        repo_url: repo.url,
        dockerfile_path: 'Dockerfile',
        compose_service: 'web',
        build_args: { GREETING },
        build_secrets: { NPM_TOKEN: SECRET },
      })
      assert.equal(source.status, 200, JSON.stringify(source.body))
      assert.deepEqual(source.body.build_secret_names, ['NPM_TOKEN'])
      assert.ok(!JSON.stringify(source.body).includes(SECRET), 'the secret is masked in the response')
      const row = await t.app.db
        .selectFrom('git_sources')
        .selectAll()
        .where('service_id', '=', serviceId)
        .executeTakeFirstOrThrow()
      assert.ok(row.build_secrets && !row.build_secrets.includes(SECRET), 'the secret is encrypted at rest')

      const queued = await t.call(root, 'POST', `/api/v1/services/${serviceId}/git/deploy`, {})
      assert.equal(queued.status, 202, JSON.stringify(queued.body))
      const done = await waitForFinished(t, root, queued.body.deployment_uuid)
      const image = `berth/${serviceId}:${sha}`
      assert.equal(done.git.image, image)

      const served = await waitFor(
        'the secret hash page',
        async () => (await httpGet(`http://127.0.0.1:${port}/secret.sha`))?.body.trim(),
        30_000,
      )
      assert.equal(served, createHash('sha256').update(SECRET).digest('hex'), 'the build read the secret')
      assert.equal((await httpGet(`http://127.0.0.1:${port}/greeting.txt`))?.body.trim(), GREETING)

      const history = await docker(['history', '--no-trunc', image])
      assert.match(history.stdout, /sha256sum \/run\/secrets\/NPM_TOKEN.*# buildkit/, 'built by BuildKit')
      assert.ok(!history.stdout.includes(SECRET), 'the image history does not hold the secret')
      const inspect = await docker(['image', 'inspect', image])
      assert.match(inspect.stdout, new RegExp(`"berth.service": "${serviceId}"`), 'the build is labelled for retention')
      assert.ok(!inspect.stdout.includes(SECRET), 'the image config does not hold the secret')

      const log = await logText(t, root, done.deployment_uuid)
      assert.match(log, /docker compose build \(BuildKit\).*--secret NPM_TOKEN/)
      assert.ok(log.includes(`token: ${REDACTED}`), log)
      assert.ok(!log.includes(SECRET), 'the log never shows the secret')
      assert.deepEqual(
        readdirSync(join(t.dataDir, 'git')).filter((f) => f.startsWith('build-')),
        [],
        'the secret files are removed after the build',
      )
      return done
    } finally {
      repo.remove()
    }
  }

  it('mounts the secret in the build only: the image holds its hash, not its value, and the log shows it redacted', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    await buildWithSecret('secret-site')
  })

  it('does the same on a server reached over ssh:// (the build context and secret go through the ssh connection)', async (ctx) => {
    if (!(await requireDocker(ctx)) || !requireSshd(ctx)) return
    sshd = await startSshd()
    const server = await t.call(root, 'POST', '/api/v1/servers', {
      name: 'builds-over-ssh',
      docker_host: `ssh://root@127.0.0.1:${sshd.port}`,
      private_key: sshd.privateKey,
    })
    assert.equal(server.status, 201, JSON.stringify(server.body))
    const done = await buildWithSecret('secret-remote', server.body.uuid)
    assert.equal(done.server_name, 'builds-over-ssh')
  })
})
