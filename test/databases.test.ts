import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { checkWithComposeCli } from '../src/compose/compose-cli-check.js'
import { DATABASE_TYPES, databaseEnv, renderDatabaseCompose } from '../src/databases/templates.js'
import { composeProjectName } from '../src/deployments/resources.js'
import { REDIS_IMAGE, docker, removeProject, requireDocker } from './support/docker.js'
import { deploy, logText, waitForEnd, waitForFinished } from './support/deploy-helpers.js'
import { startTestApp, type TestApp } from './support/harness.js'

describe('standalone databases', () => {
  let t: TestApp
  let root: string
  let projectId: string
  const projects: string[] = []

  before(async () => {
    t = await startTestApp()
    root = await t.token(['root'])
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'data' })).body.uuid
  })
  after(async () => {
    await t.close()
    for (const p of projects) await removeProject(p)
  })

  it('renders a compose file that Compose itself accepts, for all eight types', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const credentials = { user: 'berth', password: 'pw-Abc_123', rootPassword: 'root-Xyz_789', database: 'app' }
    const results = await Promise.all(
      DATABASE_TYPES.map(async (type) => {
        const yaml = renderDatabaseCompose(
          { type, image: `example/${type}:1`, publicPort: 15432, volumeName: `berth-test-${type}-data` },
          credentials,
        )
        assert.ok(
          !yaml.includes(credentials.password) && !yaml.includes(credentials.rootPassword),
          `${type}: no secret in the stored file`,
        )
        return { type, check: await checkWithComposeCli(yaml, databaseEnv(type, credentials).env, (s) => s) }
      }),
    )
    for (const { type, check } of results) {
      assert.ok(check.ran, `${type}: ${JSON.stringify(check)}`)
      assert.ok(check.ran && check.ok, `${type}: ${check.ran ? check.output : ''}`)
    }
  })

  it('lists the eight types with the default version the create form offers', async () => {
    const reader = await t.token(['read'])
    const res = await t.call(reader, 'GET', '/api/v1/database-types')
    assert.equal(res.status, 200)
    assert.deepEqual(
      res.body.types.map((d: { type: string }) => d.type),
      [...DATABASE_TYPES],
    )
    assert.deepEqual(res.body.types[0], {
      type: 'postgresql',
      default_version: '16-alpine',
      default_image: 'postgres:16-alpine',
      port: 5432,
    })
  })

  it('creates each type with encrypted generated credentials and a masked connection string', async () => {
    const reader = await t.token(['read'])
    for (const type of DATABASE_TYPES) {
      const res = await t.call(root, 'POST', `/api/v1/projects/${projectId}/databases`, { type, name: `db-${type}` })
      assert.equal(res.status, 201, JSON.stringify(res.body))
      assert.equal(res.body.type, type)
      assert.equal(res.body.password_masked, true)
      assert.match(res.body.internal_url, /:\*{8}@/)
      const revealed = (await t.call(root, 'GET', `/api/v1/databases/${res.body.uuid}`)).body
      assert.equal(revealed.password_masked, false)
      const password = /:\/\/[^:]+:([^@]+)@/.exec(revealed.internal_url)![1]!
      assert.ok(password.length >= 32)
      const masked = (await t.call(reader, 'GET', `/api/v1/databases/${res.body.uuid}`)).body
      assert.ok(!JSON.stringify(masked).includes(password))
      const rows = await t.app.db
        .selectFrom('service_env')
        .select(['value', 'secret'])
        .where('service_id', '=', res.body.uuid)
        .execute()
      assert.ok(
        rows.filter((r) => r.secret === 1).every((r) => r.value.startsWith('enc:v1:') && !r.value.includes(password)),
      )
    }
    const list = await t.call(root, 'GET', `/api/v1/projects/${projectId}/databases`)
    assert.equal(list.body.databases.length, 8)
    const project = await t.call(root, 'GET', `/api/v1/projects/${projectId}`)
    assert.equal(project.body.services.length, 0, 'databases are not listed as services')
  })

  it('versions the generated compose file like any service (history, diff, rollback)', async () => {
    const db = (
      await t.call(root, 'POST', `/api/v1/projects/${projectId}/databases`, { type: 'postgresql', name: 'versioned' })
    ).body
    const v1 = (await t.call(root, 'GET', `/api/v1/services/${db.uuid}/compose`)).body
    assert.match(v1.yaml, /image: postgres:16-alpine/)
    const changed = v1.yaml.replace('postgres:16-alpine', 'postgres:17-alpine')
    assert.equal(
      (
        await t.call(root, 'PUT', `/api/v1/services/${db.uuid}/compose`, {
          yaml: changed,
          base_version: 1,
          description: 'upgrade',
        })
      ).status,
      200,
    )
    const diff = await t.call(root, 'GET', `/api/v1/services/${db.uuid}/compose/diff?from=1&to=2`)
    assert.match(diff.body.diff, /^\+\s+image: postgres:17-alpine$/m)
    assert.equal(
      (await t.call(root, 'POST', `/api/v1/services/${db.uuid}/compose/rollback`, { version: 1 })).status,
      201,
    )
    assert.equal((await t.call(root, 'GET', `/api/v1/services/${db.uuid}/compose`)).body.sha256, v1.sha256)
  })

  it('deploys a database with a locally built image into a named volume, recorded as a database deployment', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const db = (
      await t.call(root, 'POST', `/api/v1/projects/${projectId}/databases`, {
        type: 'redis',
        name: 'cache',
        image: REDIS_IMAGE,
      })
    ).body
    projects.push(composeProjectName(db.uuid))
    const d = await waitForEnd(t, root, await deploy(t, root, db.uuid))
    assert.equal(d.status, 'finished', d.message)
    // Debian's real redis-server, judged by the template's own health check (redis-cli ping with the password).
    assert.equal(d.message, '1 container is up and healthy')
    assert.equal(d.resource_type, 'database')
    const { stdout } = await docker(['volume', 'inspect', '--format', '{{.Name}}', db.volume_name])
    assert.equal(stdout.trim(), db.volume_name)
    const history = await t.call(root, 'GET', `/api/v1/deployments/databases/${db.uuid}`)
    assert.equal(history.body.count, 1)
    assert.equal(
      (await t.call(root, 'GET', `/api/v1/deployments/databases/deployment/${d.deployment_uuid}`)).status,
      200,
    )
    assert.equal(
      (await t.call(root, 'GET', `/api/v1/deployments/services/deployment/${d.deployment_uuid}`)).status,
      400,
    )
    const stop = await t.call(root, 'POST', `/api/v1/databases/${db.uuid}/stop`)
    await waitForFinished(t, root, stop.body.deployment_uuid)
  })

  it('deleting a database removes its containers and volume through a removal deployment, and keeps its history', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const db = (
      await t.call(root, 'POST', `/api/v1/projects/${projectId}/databases`, {
        type: 'redis',
        name: 'doomed',
        image: REDIS_IMAGE,
      })
    ).body
    const project = composeProjectName(db.uuid)
    projects.push(project)
    const first = await waitForEnd(t, root, await deploy(t, root, db.uuid))
    assert.equal(first.status, 'finished')
    const containers = async () =>
      (
        await docker(['ps', '--all', '--quiet', '--filter', `label=com.docker.compose.project=${project}`])
      ).stdout.trim()
    const volumeExists = () =>
      docker(['volume', 'inspect', db.volume_name]).then(
        () => true,
        () => false,
      )
    assert.notEqual(await containers(), '', 'the deployment started a container')
    assert.equal(await volumeExists(), true)
    const workDir = join(t.dataDir, 'work', db.uuid)
    assert.ok(existsSync(join(workDir, '.env')))

    const deleted = await t.call(root, 'DELETE', `/api/v1/databases/${db.uuid}`)
    assert.equal(deleted.status, 202, JSON.stringify(deleted.body))
    assert.equal(
      (await t.call(root, 'GET', `/api/v1/databases/${db.uuid}`)).status,
      404,
      'the configuration is gone at once',
    )
    const removal = await waitForEnd(t, root, deleted.body.deployment_uuid)
    assert.equal(removal.status, 'finished', await logText(t, root, removal.deployment_uuid))
    assert.equal(removal.action, 'remove')
    assert.match(
      await logText(t, root, removal.deployment_uuid),
      /docker compose --project-name berth-[0-9a-f-]+ --file compose.yaml --env-file .env down --volumes --remove-orphans/,
    )
    assert.equal(await containers(), '', 'no container is left')
    assert.equal(await volumeExists(), false, 'the named volume is removed')
    assert.equal(existsSync(workDir), false, 'the work dir with the plain-text .env is removed')

    const history = await t.app.db
      .selectFrom('deployments')
      .select(['id', 'action'])
      .where('resource_id', '=', db.uuid)
      .orderBy('created_at')
      .execute()
    assert.deepEqual(
      history.map((d) => d.action),
      ['deploy', 'remove'],
      'the deployment history stays',
    )
    assert.equal((await t.call(root, 'GET', `/api/v1/deployments/${first.deployment_uuid}`)).status, 200)
    const audit = await t.app.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('resource_id', '=', db.uuid)
      .where('action', '=', 'database.deleted')
      .executeTakeFirstOrThrow()
    assert.equal(JSON.parse(audit.details).removal_deployment_id, deleted.body.deployment_uuid)
  })

  it('deleting a database cancels its queued deployment; one never deployed has nothing to remove', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const db = (
      await t.call(root, 'POST', `/api/v1/projects/${projectId}/databases`, {
        type: 'redis',
        name: 'never',
        image: REDIS_IMAGE,
      })
    ).body
    // With the workers stopped, the deployment stays queued until the database is deleted.
    await t.app.stopBackground()
    let queued: string
    let deleted: Awaited<ReturnType<typeof t.call>>
    try {
      queued = await deploy(t, root, db.uuid)
      deleted = await t.call(root, 'DELETE', `/api/v1/databases/${db.uuid}`)
      assert.equal(deleted.status, 202)
    } finally {
      await t.app.startBackground()
    }
    const cancelled = (await t.call(root, 'GET', `/api/v1/deployments/${queued}`)).body
    assert.equal(cancelled.status, 'cancelled-by-user')
    assert.match(cancelled.message, /^the database was deleted by /)
    const removal = await waitForEnd(t, root, deleted.body.deployment_uuid, 30_000)
    assert.equal(removal.status, 'finished')
    assert.equal(removal.message, 'nothing to remove: it was never deployed')
  })
})
