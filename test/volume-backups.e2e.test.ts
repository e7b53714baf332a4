// A named volume of a real compose service (busybox, deployed by Berth) backed up as a tar archive
// through a helper container to a directory on the server, files changed, restored: the service's
// container is stopped around the restore and runs again with the backed-up files only.
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { execIn, runLog, VOLUME_COMPOSE, waitForRun } from './support/db-backups.js'
import { berth } from './support/cli.js'
import { createService, deploy, waitForEnd } from './support/deploy-helpers.js'
import { databaseEnvFor } from './support/dialect.js'
import { docker, removeProject, requireDocker, TEST_IMAGE, waitFor } from './support/docker.js'
import { startTestApp, type TestApp } from './support/harness.js'

describe('volume backups and restores, end to end', () => {
  let t: TestApp
  let root: string
  let dir: string
  let service: string | undefined
  let destinationId: string

  before(async () => {
    t = await startTestApp()
    root = await t.token(['root'])
    dir = mkdtempSync('/tmp/berth-test-volumes-')
  })
  after(async () => {
    await t.close()
    if (service) await removeProject(composeProjectName(service))
    rmSync(dir, { recursive: true, force: true })
  })

  it('backs a volume up (CLI), and a restore brings its files back with the container running again', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'volumes' })).body.uuid
    service = await createService(t, root, projectId, 'files', VOLUME_COMPOSE)
    const d = await waitForEnd(t, root, await deploy(t, root, service))
    assert.equal(d.status, 'finished', d.message)
    const container = `${composeProjectName(service)}-app-1`
    const sh = (script: string) => execIn(container, {}, ['sh', '-c', script]).then((o) => o.trim())
    await sh('echo original > /data/kept.txt && mkdir -p /data/sub && echo nested > /data/sub/n.txt')
    const destination = await t.call(root, 'POST', '/api/v1/backup-destinations', {
      kind: 'directory',
      name: 'volumes-dir',
      directory: { path: dir, helper_image: TEST_IMAGE },
    })
    destinationId = destination.body.id
    const body = { volume: 'data', destination_id: destination.body.id, helper_image: TEST_IMAGE }
    const missing = await t.call(root, 'POST', `/api/v1/services/${service}/volume-backups`, {
      ...body,
      volume: 'nope',
    })
    assert.equal(missing.status, 404)

    // Backed up by the CLI (in its own process, on the same data dir and database).
    const cli = berth(
      ['volume', 'backup', service, 'data', '--destination', destination.body.id, '--helper-image', TEST_IMAGE],
      { BERTH_DATA_DIR: t.dataDir, ...(await databaseEnvFor(t.dataDir)) },
    )
    assert.equal(cli.status, 0, cli.stderr)
    assert.match(cli.stderr, /Backup succeeded/)
    const backup = await waitForRun(t, root, cli.stdout.trim())
    assert.equal(backup.status, 'succeeded', await runLog(t, root, backup.id))
    assert.equal(backup.volume, 'data')
    assert.match(backup.artifact_key, /\/data\/.*\.tar$/)

    await sh('echo changed > /data/kept.txt && echo extra > /data/extra.txt')
    const before = (await docker(['inspect', '--format', '{{.State.StartedAt}}', container])).stdout.trim()
    const wrong = await t.call(root, 'POST', `/api/v1/backup-runs/${backup.id}/restore`, { confirm: 'files' })
    assert.equal(wrong.body.error?.code, 'confirmation_mismatch')
    const restore = await t.call(root, 'POST', `/api/v1/backup-runs/${backup.id}/restore`, { confirm: 'data' })
    assert.equal(restore.status, 202, JSON.stringify(restore.body))
    const restored = await waitForRun(t, root, restore.body.id)
    const log = await runLog(t, root, restored.id)
    assert.equal(restored.status, 'succeeded', log)
    assert.match(log, /Stopping 1 container\(s\) using the volume[\s\S]*Started the containers again/)
    assert.equal(await sh('cat /data/kept.txt /data/sub/n.txt; ls /data'), 'original\nnested\nkept.txt\nsub')
    assert.notEqual((await docker(['inspect', '--format', '{{.State.StartedAt}}', container])).stdout.trim(), before)
    const runs = (await t.call(root, 'GET', `/api/v1/services/${service}/volume-backups`)).body.runs
    assert.equal(runs.find((r: { trigger: string }) => r.trigger === 'safety')?.status, 'succeeded')
  })

  it('a scheduled, encrypted volume job keeps its last backup only, pruning after a later success', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    assert.ok(service, 'the first case deployed the service')
    const volumes = await t.call(root, 'GET', `/api/v1/services/${service}/volumes`)
    assert.deepEqual(volumes.body.volumes, ['data'])
    const fields = { volume: 'data', destination_id: destinationId, helper_image: TEST_IMAGE }
    const unverifiable = await t.call(root, 'POST', `/api/v1/services/${service}/volume-backup-jobs`, {
      ...fields,
      verify_restore: true,
    })
    assert.equal(unverifiable.body.error?.code, 'verify_not_supported')
    const job = await t.call(root, 'POST', `/api/v1/services/${service}/volume-backup-jobs`, {
      ...fields,
      schedule: '*/2 * * * * *',
      keep_last: 1,
      encrypt: true,
    })
    assert.equal(job.status, 201, JSON.stringify(job.body))
    const ofJob = async () =>
      (await t.call(root, 'GET', `/api/v1/services/${service}/volume-backups`)).body.runs.filter(
        (r: { job_id: string }) => r.job_id === job.body.id,
      )
    await waitFor('two scheduled volume backups', async () => {
      const done = (await ofJob()).filter((r: { status: string }) => r.status === 'succeeded')
      return done.length >= 2
    })
    await t.call(root, 'PATCH', `/api/v1/backup-jobs/${job.body.id}`, { enabled: false })
    // Once the last run ended, only the newest backup is kept: each older one was pruned after a later success.
    const [newest, ...older] = await waitFor('the job to be idle with older backups pruned', async () => {
      const runs = await ofJob()
      const idle = runs.every((r: { status: string }) => r.status === 'succeeded')
      return idle && runs.slice(1).every((r: { pruned: boolean }) => r.pruned) ? runs : undefined
    })
    assert.ok(older.length >= 1)
    assert.equal(newest.pruned, false)
    assert.equal(newest.trigger, 'schedule')
    assert.equal(newest.encrypted, true)
    assert.match(newest.artifact_key, /\/data\/.*\.tar\.enc$/)
    const stored = readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.tar.enc'))
    assert.deepEqual(stored, [newest.artifact_key])
    const jobs = (await t.call(root, 'GET', `/api/v1/services/${service}/volume-backup-jobs`)).body.jobs
    assert.deepEqual(
      jobs.map((j: { volume: string; enabled: boolean }) => [j.volume, j.enabled]),
      [['data', false]],
    )
  })
})
