import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { createImportService } from '../src/imports/import.service.js'
import { TEST_DIALECT } from './support/dialect.js'
import { startTestApp, type TestApp } from './support/harness.js'

const TRAEFIK = `services:
  traefik:
    image: traefik:v3
    command:
      - "--certificatesresolvers.le.acme.email=admin@example.org"
    labels:
      owner: "admin@example.org"
`

describe('import of compose files from disk', () => {
  let t: TestApp
  let tree: string
  let teamId: string
  before(async () => {
    t = await startTestApp()
    teamId = (
      await t.app.users.create(
        { email: 'importer@example.com', password: 'importer-password', admin: true },
        SYSTEM_ACTOR,
      )
    ).teamId
    tree = mkdtempSync(join(tmpdir(), 'berth-tree-'))
    writeFileSync(join(tree, 'compose.yaml'), TRAEFIK)
    mkdirSync(join(tree, 'apps', 'laravel', 'sites', 'crm'), { recursive: true })
    writeFileSync(
      join(tree, 'apps', 'laravel', 'sites', 'crm', 'docker-compose.yml'),
      'services:\n  app:\n    image: php:8\n',
    )
  })
  after(async () => {
    await t.close()
    rmSync(tree, { recursive: true, force: true })
  })

  it('creates version 1 per file, turns the ACME e-mail into a parameter, and renders the original file', async () => {
    const importer = createImportService(t.app)
    const backupDir = join(t.dataDir, 'backups')
    mkdirSync(backupDir)
    const report = await importer.run({
      dir: tree,
      teamId,
      dryRun: false,
      backupDir,
      actor: { ...SYSTEM_ACTOR, teamId },
    })
    assert.deepEqual(
      report.lines.map((l) => l.outcome),
      ['imported', 'imported'],
    )
    if (TEST_DIALECT === 'sqlite') assert.equal(readdirSync(backupDir).length, 1, 'a backup was taken before importing')
    else assert.match(report.backupSkipped ?? '', /pg_dump/)

    const traefik = report.lines.find((l) => l.file === 'compose.yaml')!
    const current = await t.app.compose.getCurrent(teamId, traefik.serviceId!)
    assert.equal(current.version, 1)
    assert.equal(current.description, 'Imported from compose.yaml')
    assert.equal(current.rendered_yaml, TRAEFIK, 'rendering gives back the file as it was on disk')
    assert.ok(!current.yaml.includes('admin@example.org'), 'the stored template holds the placeholder')
    const params = await t.app.parameters.list(teamId, traefik.serviceId!)
    assert.deepEqual(params.parameters, [{ name: 'letsencrypt_email', type: 'string', value: 'admin@example.org' }])

    const again = await importer.run({
      dir: tree,
      teamId,
      dryRun: false,
      backupDir,
      actor: { ...SYSTEM_ACTOR, teamId },
    })
    assert.deepEqual(
      again.lines.map((l) => l.outcome),
      ['already_imported', 'already_imported'],
    )
    const services = await t.app.db.selectFrom('services').select('id').execute()
    assert.equal(services.length, 2, 'importing twice creates nothing new')
  })
})
