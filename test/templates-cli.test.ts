import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { berth } from './support/cli.js'
import { databaseEnvFor } from './support/dialect.js'
import { startTestApp, type TestApp } from './support/harness.js'
import { COOLIFY_TEMPLATE, DOKPLOY_COMPOSE, DOKPLOY_TOML } from './support/template-fixtures.js'

describe('berth template list|deploy|import', () => {
  let t: TestApp
  let env: Record<string, string>
  let project: string

  before(async () => {
    t = await startTestApp()
    const owner = await t.token(['root'])
    project = (await t.call(owner, 'POST', '/api/v1/projects', { name: 'cli-templates' })).body.uuid
    env = { BERTH_DATA_DIR: t.dataDir, ...(await databaseEnvFor(t.dataDir)) }
  })
  after(() => t.close())

  it('lists the catalog', () => {
    const run = berth(['template', 'list'], env)
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stdout, /^wordpress\s+1\.0\.0\s+cms\s+WordPress$/m)
    assert.ok(run.stdout.trim().split('\n').length >= 40)
  })

  it('deploys a template with a parameter and a route, printing the uuid and the secrets once', async () => {
    const run = berth(
      [
        'template',
        'deploy',
        'wordpress',
        '--project',
        project,
        '--name',
        'cli-blog',
        '--domain',
        'cli-blog.example.com',
        '--set',
        'table_prefix=cli_',
      ],
      env,
    )
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stderr, /^secret DB_PASSWORD=[A-Za-z0-9]{32}$/m)
    assert.match(run.stderr, /Route: cli-blog\.example\.com -> wordpress:80/)
    const uuid = run.stdout.trim()
    const params = await t.app.parameters.list(await teamOf(uuid), uuid)
    assert.deepEqual(params.parameters.find((p) => p.name === 'table_prefix')?.value, 'cli_')
    const bad = berth(['template', 'deploy', 'wordpress', '--project', project, '--name', 'x', '--set', 'nope=1'], env)
    assert.equal(bad.status, 1)
    assert.match(bad.stderr, /has no parameter "nope"/)
  })

  async function teamOf(serviceId: string) {
    const row = await t.app.db
      .selectFrom('services')
      .innerJoin('projects', 'projects.id', 'services.project_id')
      .select('projects.team_id')
      .where('services.id', '=', serviceId)
      .executeTakeFirstOrThrow()
    return row.team_id
  }

  it('imports a Coolify file and a Dokploy folder, printing the report', () => {
    const coolify = join(t.dataDir, 'coolify-page.yaml')
    writeFileSync(coolify, COOLIFY_TEMPLATE)
    const dry = berth(['template', 'import', coolify, '--project', project, '--name', 'cpage', '--dry-run'], env)
    assert.equal(dry.status, 0, dry.stderr)
    assert.match(dry.stderr, /converted\s+SERVICE_PASSWORD_ADMIN -> a generated password secret/)
    assert.match(dry.stdout, /APP_URL=https:\/\/\{\{berth\.domain\}\}/)
    const folder = join(t.dataDir, 'dokploy-page')
    mkdirSync(folder)
    writeFileSync(join(folder, 'docker-compose.yml'), DOKPLOY_COMPOSE)
    writeFileSync(join(folder, 'template.toml'), DOKPLOY_TOML)
    const run = berth(['template', 'import', folder, '--project', project, '--name', 'dpage'], env)
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stderr, /not converted\s+the mounted file app\/config\.json/)
    assert.match(run.stderr, /converted\s+the mounted file site\/index\.html -> config/)
    assert.match(run.stdout.trim(), /^[0-9a-f-]{36}$/)
  })
})
