// Deleting a database, a service or a project deletes its backup jobs (database and volume jobs)
// with an audit row each, so no scheduled tick fails at start afterwards; the runs stay listed and
// a stored artifact still downloads. A real Redis (local test image) backed up to a real
// S3-compatible server (s3rver), Berth's log captured to see what the scheduler does.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { REDIS_IMAGE, removeProject, requireDocker, TEST_IMAGE, waitFor } from './support/docker.js'
import { deployedDatabase, VOLUME_COMPOSE } from './support/db-backups.js'
import { startTestApp, type TestApp } from './support/harness.js'
import { startS3 } from './support/s3.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('backup jobs of deleted resources', () => {
  let t: TestApp
  let root: string
  let s3: Awaited<ReturnType<typeof startS3>>
  let destination: string
  let log = ''
  const projects: string[] = []

  before(async () => {
    s3 = await startS3()
    const sink = new PassThrough()
    sink.on('data', (chunk: Buffer) => {
      log += chunk.toString()
    })
    t = await startTestApp({ LOG_LEVEL: 'warn' }, { logDestination: sink })
    root = await t.token(['root'])
    destination = (await t.call(root, 'POST', '/api/v1/backup-destinations', s3.destination('s3'))).body.id
  })
  after(async () => {
    await t.close()
    for (const p of projects) await removeProject(p)
    await s3.close()
  })

  const jobExists = async (id: string) =>
    (await t.app.db.selectFrom('db_backup_jobs').select('id').where('id', '=', id).executeTakeFirst()) !== undefined
  const jobDeletions = async (resourceId: string) =>
    (
      await t.call(root, 'GET', `/api/v1/audit?action=database_backup_job.deleted&resource_id=${resourceId}`)
    ).body.items.map((i: { details: { job_id: string; reason: string } }) => [i.details.job_id, i.details.reason])

  it('a deleted database: its scheduled job goes (audited), no tick fails afterwards, its backup stays listed and downloads', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'deleted-db' })).body.uuid
    const redis = await deployedDatabase(t, root, projectId, 'redis', 'gone', REDIS_IMAGE)
    projects.push(redis.project)
    const job = await t.call(root, 'POST', `/api/v1/databases/${redis.uuid}/backup-jobs`, {
      destination_id: destination,
      schedule: '*/2 * * * * *',
    })
    assert.equal(job.status, 201, JSON.stringify(job.body))
    const runs = async () => (await t.call(root, 'GET', `/api/v1/databases/${redis.uuid}/backups`)).body.runs
    const backup = await waitFor(
      'a scheduled backup',
      async () => (await runs()).find((r: { status: string }) => r.status === 'succeeded'),
      60_000,
      200,
    )

    const deleted = await t.call(root, 'DELETE', `/api/v1/databases/${redis.uuid}`)
    assert.equal(deleted.status, 202, JSON.stringify(deleted.body))
    assert.equal(await jobExists(job.body.id), false)
    assert.deepEqual(await jobDeletions(redis.uuid), [[job.body.id, 'resource_deleted']])
    const logged = log.length
    const ids = (list: { id: string }[]) => list.map((r) => r.id).sort()
    const atDeletion = ids(await runs())
    // Two ticks of the old schedule: neither starts a run nor logs a failure.
    await sleep(4500)
    assert.doesNotMatch(log.slice(logged), /scheduled backup could not start/)
    const after = await runs()
    assert.deepEqual(ids(after), atDeletion, 'no run started after the deletion')
    assert.ok(
      after.every((r: { status: string }) => r.status === 'succeeded' || r.status === 'failed'),
      JSON.stringify(after),
    )
    assert.ok(after.some((r: { id: string }) => r.id === backup.id))

    const download = await t.server.inject({
      method: 'GET',
      url: `/api/v1/backup-runs/${backup.id}/download`,
      headers: { authorization: `Bearer ${root}` },
    })
    assert.equal(download.statusCode, 200, download.body)
    assert.equal(createHash('sha256').update(download.rawPayload).digest('hex'), backup.sha256)
  })

  it('a deleted service takes its volume jobs, a deleted project those of all it held; other jobs stay', async () => {
    const projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'deleted-project' })).body.uuid
    const service = await t.call(root, 'POST', `/api/v1/projects/${projectId}/services`, {
      name: 'files',
      compose: VOLUME_COMPOSE,
    })
    assert.equal(service.status, 201, JSON.stringify(service.body))
    const volumeJob = async (serviceId: string) => {
      const job = await t.call(root, 'POST', `/api/v1/services/${serviceId}/volume-backup-jobs`, {
        destination_id: destination,
        volume: 'data',
        helper_image: TEST_IMAGE,
        schedule: '0 3 * * *',
      })
      assert.equal(job.status, 201, JSON.stringify(job.body))
      return job.body.id as string
    }
    const serviceJob = await volumeJob(service.body.uuid)
    const db = await t.call(root, 'POST', `/api/v1/projects/${projectId}/databases`, { type: 'redis', name: 'kv' })
    assert.equal(db.status, 201, JSON.stringify(db.body))
    const dbJob = (
      await t.call(root, 'POST', `/api/v1/databases/${db.body.uuid}/backup-jobs`, {
        destination_id: destination,
        schedule: '0 3 * * *',
      })
    ).body.id
    const other = await t.call(root, 'POST', `/api/v1/projects/${projectId}/services`, {
      name: 'kept',
      compose: VOLUME_COMPOSE,
    })
    const otherJob = await volumeJob(other.body.uuid)

    assert.equal((await t.call(root, 'DELETE', `/api/v1/services/${service.body.uuid}`)).status, 204)
    assert.equal(await jobExists(serviceJob), false)
    assert.deepEqual(await jobDeletions(service.body.uuid), [[serviceJob, 'resource_deleted']])
    assert.equal(await jobExists(otherJob), true)
    assert.equal(await jobExists(dbJob), true)

    assert.equal((await t.call(root, 'DELETE', `/api/v1/projects/${projectId}`)).status, 204)
    for (const id of [dbJob, otherJob]) assert.equal(await jobExists(id), false)
    assert.deepEqual(await jobDeletions(db.body.uuid), [[dbJob, 'resource_deleted']])
    assert.deepEqual(await jobDeletions(other.body.uuid), [[otherJob, 'resource_deleted']])
  })
})
