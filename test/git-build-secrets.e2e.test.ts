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

const SECRET = 'npm-token-7f3e9c1b5a2d$HOME'
// Prints the secret too (as a careless build step would), so the log's redaction is put to the test;
// the run's own mark keeps BuildKit from answering the step from an earlier run's cache.
// A build argument with `$` in it arrives as written (the file Compose reads escapes it).
const GREETING = 'costs 5$ or ${HOME}'
const dockerfile = `FROM ${TEST_IMAGE}
ARG GREETING
RUN --mount=type=secret,id=NPM_TOKEN echo run-${Date.now()} && mkdir -p /www && sha256sum /run/secrets/NPM_TOKEN | cut -d' ' -f1 > /www/secret.sha && echo "token: $(cat /run/secrets/NPM_TOKEN)" && echo "$GREETING" > /www/greeting.txt
COPY index.html /www/index.html
`

describe('build-time secrets of a Git service', () => {
  let t: TestApp
  let root: string
  let serviceId: string
  let port: number
  let gitServer: Awaited<ReturnType<typeof startGitServer>>
  let repo: ReturnType<Awaited<ReturnType<typeof startGitServer>>['createRepo']>

  before(async () => {
    gitServer = await startGitServer()
    repo = gitServer.createRepo('secret-site')
    t = await startTestApp()
    root = await t.token(['root'])
    const projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: `gitsecrets-${Date.now()}` })).body.uuid
    port = await freePort()
    serviceId = await createService(
      t,
      root,
      projectId,
      'secret-site',
      `services:\n  web:\n    image: ${TEST_IMAGE}\n    command: httpd -f -p 80 -h /www\n    stop_grace_period: 1s\n    ports:\n      - "127.0.0.1:${port}:80"\n`,
    )
  })
  after(async () => {
    await t.close()
    await removeProject(composeProjectName(serviceId))
    await removeBuiltImages(serviceId)
    repo.remove()
    await gitServer.close()
  })

  it('mounts the secret in the build only: the image holds its hash, not its value, and the log shows it redacted', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const sha = repo.push({ Dockerfile: dockerfile, 'index.html': 'with a secret\n' }, 'Secret build')
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
  })
})
