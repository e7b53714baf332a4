// Backup destinations against a real S3-compatible server (s3rver, started here) and a directory
// reached through the real Docker engine: the secret key is stored encrypted and never answered,
// and the check writes, reads back and deletes an object, naming the step that failed.
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { requireDocker, TEST_IMAGE } from './support/docker.js'
import { startTestApp, type TestApp } from './support/harness.js'
import { S3_SECRET_KEY, startS3 } from './support/s3.js'

const DESTINATIONS = '/api/v1/backup-destinations'

describe('database backup destinations', () => {
  let t: TestApp
  let owner: string
  let s3: Awaited<ReturnType<typeof startS3>>

  before(async () => {
    s3 = await startS3()
    t = await startTestApp()
    owner = await t.token(['root'])
  })
  after(async () => {
    await t.close()
    await s3.close()
  })

  it('keeps the S3 secret key encrypted and out of every answer and audit row; the check passes every step', async () => {
    const created = await t.call(owner, 'POST', DESTINATIONS, s3.destination('s3-ok'))
    assert.equal(created.status, 201, JSON.stringify(created.body))
    assert.equal(created.body.has_secret, true)
    assert.equal(created.body.s3.bucket, 'berth-backups')
    const row = await t.app.db.selectFrom('db_backup_destinations').selectAll().executeTakeFirstOrThrow()
    assert.match(row.secret ?? '', /^enc:v1:/)
    const list = await t.call(owner, 'GET', DESTINATIONS)
    const audit = await t.app.db.selectFrom('audit_log').select('details').execute()
    for (const text of [JSON.stringify(list.body), JSON.stringify(created.body), JSON.stringify(audit)])
      assert.ok(!text.includes(S3_SECRET_KEY) && !text.includes('secret_access_key'), text)

    const check = await t.call(owner, 'POST', `${DESTINATIONS}/${created.body.id}/check`)
    assert.equal(check.status, 200)
    assert.deepEqual(
      check.body.steps.map((s: { step: string; ok: boolean }) => `${s.step}:${s.ok}`),
      ['write:true', 'read:true', 'delete:true'],
    )
    assert.equal(check.body.ok, true)
    // The check object is gone again.
    const left = readdirSync(join(s3.directory, 'berth-backups'), { recursive: true }).map(String)
    assert.ok(!left.some((f) => f.includes('berth-check/') && f.endsWith('.txt')), left.join(', '))
  })

  it('reports the failed step and why: an unknown access key, a bucket that does not exist, an endpoint nobody answers', async () => {
    const wrongKey = await t.call(
      owner,
      'POST',
      DESTINATIONS,
      s3.destination('s3-bad-key', { access_key_id: 'not-a-key' }),
    )
    const noBucket = await t.call(
      owner,
      'POST',
      DESTINATIONS,
      s3.destination('s3-no-bucket', { bucket: 'missing-bucket' }),
    )
    const dead = await t.call(
      owner,
      'POST',
      DESTINATIONS,
      s3.destination('s3-dead', { endpoint: 'http://127.0.0.1:9' }),
    )
    for (const [res, pattern] of [
      [wrongKey, /access key/i],
      [noBucket, /bucket/i],
      [dead, /ECONNREFUSED|connect/i],
    ] as const) {
      const check = await t.call(owner, 'POST', `${DESTINATIONS}/${res.body.id}/check`)
      assert.equal(check.body.ok, false)
      assert.equal(check.body.steps.length, 1)
      assert.equal(check.body.steps[0].step, 'write')
      assert.match(check.body.steps[0].error, pattern)
      assert.ok(!JSON.stringify(check.body).includes(S3_SECRET_KEY))
    }
  })

  it('refuses bad input with a code and stores nothing', async () => {
    const before = await t.app.db.selectFrom('db_backup_destinations').select('id').execute()
    const bad = await t.call(owner, 'POST', DESTINATIONS, {
      kind: 'directory',
      name: 'x',
      directory: { path: '../etc' },
    })
    assert.equal(bad.status, 400)
    assert.equal(typeof bad.body.error.code, 'string')
    const dup = await t.call(owner, 'POST', DESTINATIONS, s3.destination('s3-ok'))
    assert.equal(dup.status, 409)
    assert.equal(dup.body.error.code, 'name_taken')
    assert.equal((await t.app.db.selectFrom('db_backup_destinations').select('id').execute()).length, before.length)
    const viewer = await t.token(['read'])
    assert.equal((await t.call(viewer, 'POST', DESTINATIONS, s3.destination('v'))).status, 403)
  })

  it('checks a directory on the server through a helper container', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const dir = mkdtempSync('/tmp/berth-test-backupdir-')
    try {
      const created = await t.call(owner, 'POST', DESTINATIONS, {
        kind: 'directory',
        name: 'local-dir',
        directory: { path: dir, helper_image: TEST_IMAGE },
      })
      assert.equal(created.status, 201, JSON.stringify(created.body))
      const check = await t.call(owner, 'POST', `${DESTINATIONS}/${created.body.id}/check`)
      assert.equal(check.body.ok, true, JSON.stringify(check.body))
      assert.ok(existsSync(join(dir, 'berth-check')), 'the check wrote into the directory')
      const missing = await t.call(owner, 'POST', DESTINATIONS, {
        kind: 'directory',
        name: 'bad-image',
        directory: { path: dir, helper_image: 'berth-test/not-there:1' },
      })
      const failed = await t.call(owner, 'POST', `${DESTINATIONS}/${missing.body.id}/check`)
      assert.equal(failed.body.ok, false)
      assert.match(failed.body.steps[0].error, /not-there/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
