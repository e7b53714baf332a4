// Private registry logins per team against a real registry (Debian's docker-registry with htpasswd
// auth) and the real Docker engine: an image pushed there and removed locally is pulled by a
// deployment with pull_policy always, with the team's login (locally and over ssh://), and refused
// without it; the password appears in no response, log line, deployment message, audit row or
// Berth log line.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { composeProjectName } from '../src/deployments/resources.js'
import { createService, deploy, logText, waitForEnd } from './support/deploy-helpers.js'
import { TEST_IMAGE, docker, freePort, httpGet, removeProject, requireDocker, waitFor } from './support/docker.js'
import { requireTools } from './support/external-tools.js'
import { startTestApp, type TestApp } from './support/harness.js'
import { startRegistry, type TestRegistry } from './support/registry.js'
import { requireSshd, startSshd, type TestSshd } from './support/sshd.js'

const USER = 'berth-ci'
const PASSWORD = 'reg-pass-7c1e9a42f0'
const PASSWORD_B64 = Buffer.from(`${USER}:${PASSWORD}`).toString('base64')
const run = promisify(execFile)

describe('private registry logins per team on a real registry', () => {
  let t: TestApp
  let root: string
  let registry: TestRegistry | undefined
  let sshd: TestSshd | undefined
  let image: string
  let projectId: string
  let registryId: string
  const appLog: string[] = []
  const projects: string[] = []

  const compose = (port: number) =>
    `services:\n  web:\n    image: ${image}\n    pull_policy: always\n    command: httpd -f -p 80 -h /www\n    stop_grace_period: 1s\n    ports:\n      - "127.0.0.1:${port}:80"\n`

  /** Pushes the test image to the registry with a throw-away login of the test's own, then removes it locally. */
  async function pushImage() {
    const config = mkdtempSync(join(tmpdir(), 'berth-test-docker-config-'))
    try {
      writeFileSync(
        join(config, 'config.json'),
        JSON.stringify({ auths: { [registry!.host]: { auth: PASSWORD_B64 } } }),
      )
      await docker(['tag', TEST_IMAGE, image])
      await run('docker', ['push', image], { env: { ...process.env, DOCKER_CONFIG: config }, timeout: 60_000 })
    } finally {
      rmSync(config, { recursive: true, force: true })
    }
    await docker(['rmi', image])
  }

  const removeLocalImage = () => docker(['rmi', image]).catch(() => undefined)

  before(async () => {
    const sink = new PassThrough()
    sink.on('data', (chunk: Buffer) => appLog.push(chunk.toString()))
    t = await startTestApp({ LOG_LEVEL: 'debug' }, { logDestination: sink })
    root = await t.token(['root'])
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: `registry-${Date.now()}` })).body.uuid
  })
  after(async () => {
    await t.close()
    for (const p of projects) await removeProject(p)
    if (image) await removeLocalImage()
    await registry?.stop()
    await sshd?.stop()
  })

  async function deployOnce(serviceId: string) {
    const d = await waitForEnd(t, root, await deploy(t, root, serviceId))
    return { d, log: await logText(t, root, d.deployment_uuid, true) }
  }

  it('fails a pull without the login with a line naming the registry', async (ctx) => {
    if (!(await requireDocker(ctx)) || !requireTools(ctx, [['docker-registry', ['--version']]])) return
    registry = await startRegistry(USER, PASSWORD)
    image = `${registry.host}/berth-registry-test/site:${Date.now()}`
    await pushImage()
    const serviceId = await createService(t, root, projectId, 'pulled', compose(await freePort()))
    projects.push(composeProjectName(serviceId))
    const { d, log } = await deployOnce(serviceId)
    assert.equal(d.status, 'failed', log)
    assert.ok(
      d.message.startsWith(
        `docker compose up failed: the image registry ${registry.host} needs a login and the team has none for it (add one under Team settings, Registries)`,
      ),
      d.message,
    )
  })

  it('pulls with the team login and the page answers; the password is never shown and its config dir is gone', async (ctx) => {
    if (!(await requireDocker(ctx)) || !registry) return
    const created = await t.call(root, 'POST', '/api/v1/registry-credentials', {
      host: registry.host,
      username: USER,
      password: PASSWORD,
    })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    registryId = created.body.id
    assert.deepEqual(
      { host: created.body.host, username: created.body.username, password_set: created.body.password_set },
      { host: registry.host, username: USER, password_set: true },
    )
    const port = await freePort()
    const serviceId = await createService(t, root, projectId, 'with-login', compose(port))
    projects.push(composeProjectName(serviceId))
    const { d, log } = await deployOnce(serviceId)
    assert.equal(d.status, 'finished', log)
    assert.match(log, new RegExp(`Pulling with the team's logins to ${registry.host.replace(/\./g, '\\.')}`))
    const page = await waitFor('the pulled page', () => httpGet(`http://127.0.0.1:${port}/`), 20_000)
    assert.equal(page.body.trim(), 'ok')
    assert.deepEqual(readdirSync(join(t.dataDir, 'docker-config')), [], 'the per-run Docker config is removed')

    const shown = [
      JSON.stringify((await t.call(root, 'GET', '/api/v1/registry-credentials')).body),
      JSON.stringify((await t.call(root, 'GET', '/api/v1/audit?limit=200')).body),
      JSON.stringify(await t.app.db.selectFrom('deployment_logs').select('output').execute()),
      JSON.stringify(await t.app.db.selectFrom('deployments').select('message').execute()),
      appLog.join(''),
    ].join('\n')
    assert.match(shown, /registry_credential\.created/)
    for (const secret of [PASSWORD, PASSWORD_B64]) assert.ok(!shown.includes(secret), `${secret} is shown somewhere`)
    const stored = await t.app.db
      .selectFrom('registry_credentials')
      .select('password')
      .where('id', '=', registryId)
      .executeTakeFirstOrThrow()
    assert.match(stored.password, /^enc:v1:/)
  })

  it('pulls with the team login through a server reached over ssh://', async (ctx) => {
    if (!(await requireDocker(ctx)) || !requireSshd(ctx) || !registry) return
    await removeLocalImage()
    sshd = await startSshd()
    const server = await t.call(root, 'POST', '/api/v1/servers', {
      name: 'registry-over-ssh',
      docker_host: `ssh://root@127.0.0.1:${sshd.port}`,
      private_key: sshd.privateKey,
    })
    assert.equal(server.status, 201, JSON.stringify(server.body))
    const port = await freePort()
    const serviceId = await createService(t, root, projectId, 'over-ssh', compose(port))
    projects.push(composeProjectName(serviceId))
    await t.call(root, 'PUT', `/api/v1/services/${serviceId}/server`, { server_uuid: server.body.uuid })
    const { d, log } = await deployOnce(serviceId)
    assert.equal(d.status, 'finished', log)
    assert.equal(d.server_name, 'registry-over-ssh')
    assert.match(log, /DOCKER_HOST=ssh:\/\//)
    assert.equal(
      (await waitFor('the page over ssh', () => httpGet(`http://127.0.0.1:${port}/`), 20_000)).body.trim(),
      'ok',
    )
  })

  it('reports a wrong password as refused credentials, without showing it', async (ctx) => {
    if (!(await requireDocker(ctx)) || !registry) return
    await removeLocalImage()
    const wrong = 'not-the-password-93b1'
    const patched = await t.call(root, 'PATCH', `/api/v1/registry-credentials/${registryId}`, { password: wrong })
    assert.equal(patched.status, 200, JSON.stringify(patched.body))
    const serviceId = await createService(t, root, projectId, 'wrong-login', compose(await freePort()))
    projects.push(composeProjectName(serviceId))
    const { d, log } = await deployOnce(serviceId)
    assert.equal(d.status, 'failed', log)
    assert.match(d.message, /the image registry refused the credentials/)
    assert.ok(!log.includes(wrong) && !d.message.includes(wrong))
    assert.ok(!existsSync(join(t.dataDir, 'docker-config', d.deployment_uuid)))
  })
})
