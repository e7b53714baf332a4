// Backups of real databases (Debian's PostgreSQL, MariaDB and Redis in local test images, deployed
// by Berth) to a real S3-compatible server (s3rver) and to a directory, restored over changed
// data; the failure paths say why and never claim success; a planted password appears nowhere.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { composeProjectName } from '../src/deployments/resources.js'
import { docker, REDIS_IMAGE, TEST_IMAGE, removeProject, requireDocker, waitFor } from './support/docker.js'
import {
  MARIADB_IMAGE,
  POSTGRES_IMAGE,
  deployedDatabase,
  execIn,
  runLog,
  verifyContainersOf,
  waitForRun,
} from './support/db-backups.js'
import { berth } from './support/cli.js'
import { databaseEnvFor } from './support/dialect.js'
import { startTestApp, type TestApp } from './support/harness.js'
import { startS3 } from './support/s3.js'
import { startReceiver } from './support/notify-receiver.js'

describe('database backups and restores, end to end', () => {
  let t: TestApp
  let root: string
  let projectId: string
  let s3: Awaited<ReturnType<typeof startS3>>
  let s3Destination: string
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  const projects: string[] = []
  const passwords: string[] = []
  const dirs: string[] = []

  before(async () => {
    s3 = await startS3()
    receiver = await startReceiver()
    t = await startTestApp()
    root = await t.token(['root'])
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'backups' })).body.uuid
    s3Destination = (await t.call(root, 'POST', '/api/v1/backup-destinations', s3.destination('s3'))).body.id
    await t.call(root, 'POST', '/api/v1/notifications/channels', {
      name: 'backups',
      type: 'webhook',
      url: receiver.url('/backups'),
      events: ['backup.failed', 'backup.succeeded'],
    })
  })
  after(async () => {
    await t.close()
    for (const p of projects) await removeProject(p)
    await s3.close()
    await receiver.close()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  /** Every stored object's bytes under the S3 server's directory. */
  function storedObjects(): Buffer[] {
    const root = join(s3.directory, 'berth-backups')
    return readdirSync(root, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('._S3rver_object'))
      .map((f) => readFileSync(join(root, f)))
  }

  /** Schedules a job every 2 s, takes its first scheduled run and disables the job (so no tick runs during the restore). */
  async function scheduledBackup(databaseId: string, fields: Record<string, unknown>) {
    const job = await t.call(root, 'POST', `/api/v1/databases/${databaseId}/backup-jobs`, {
      destination_id: s3Destination,
      schedule: '*/2 * * * * *',
      ...fields,
    })
    assert.equal(job.status, 201, JSON.stringify(job.body))
    const scheduled = await waitFor(
      'a scheduled run',
      async () =>
        (await t.call(root, 'GET', `/api/v1/databases/${databaseId}/backups`)).body.runs.find(
          (r: { trigger: string }) => r.trigger === 'schedule',
        ),
      30_000,
    )
    await t.call(root, 'PATCH', `/api/v1/backup-jobs/${job.body.id}`, { enabled: false })
    const backup = await waitForRun(t, root, scheduled.id)
    assert.equal(backup.status, 'succeeded', await runLog(t, root, backup.id))
    return backup
  }

  it('PostgreSQL: a scheduled, encrypted backup to S3, rows changed, restored after a safety backup, then into a new database', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const pg = await deployedDatabase(t, root, projectId, 'postgresql', 'orders', POSTGRES_IMAGE)
    projects.push(pg.project)
    passwords.push(pg.password)
    const psql = (sql: string) =>
      execIn(pg.container, {}, ['psql', '-U', 'berth', '-d', pg.database, '-At', '-c', sql]).then((o) => o.trim())
    await psql(
      "CREATE TABLE orders (id int primary key, item text); INSERT INTO orders VALUES (1, 'original-row-a'), (2, 'original-row-b')",
    )
    // A role of the server (a global, not in pg_dump's archive) that the table's grant names.
    await psql("CREATE ROLE reporting LOGIN PASSWORD 'reporting-pw'; GRANT SELECT ON orders TO reporting")

    const backup = await scheduledBackup(pg.uuid, { encrypt: true, keep_last: 5, verify_restore: true })
    assert.equal(backup.verified, true)
    assert.equal(backup.encrypted, true)
    assert.ok(backup.size_bytes > 0)
    assert.match(backup.sha256, /^[0-9a-f]{64}$/)
    assert.match(await runLog(t, root, backup.id), /checksum matches/)
    assert.match(backup.globals_artifact_key, /\.globals\.sql\.enc$/)
    // Restored into a throw-away server of the same image, which is gone afterwards.
    assert.equal(backup.restore_verified, true)
    assert.match(await runLog(t, root, backup.id), /Verified: the archive lists \d+ entries and restored 1 tables/)
    assert.equal(await verifyContainersOf(backup.id), '')
    // Encrypted at rest: no stored object shows the custom-format header or a row.
    for (const body of storedObjects()) assert.ok(!body.includes('PGDMP') && !body.includes('original-row-a'))
    // The download is the plain pg_dump archive.
    const download = await t.call(root, 'GET', `/api/v1/backup-runs/${backup.id}/download`)
    assert.equal(download.status, 200)
    assert.ok(String(download.body).startsWith('PGDMP'), 'decrypted: the custom-format header')
    const audited = await t.call(root, 'GET', `/api/v1/audit?action=database_backup.downloaded&resource_id=${pg.uuid}`)
    assert.equal(audited.body.items[0]?.details.run_id, backup.id)
    // The log as a finished run's live stream gives it: every line, then the end with the status.
    const stream = await t.server.inject({
      url: `/api/v1/backup-runs/${backup.id}/log/stream`,
      headers: { authorization: `Bearer ${root}` },
    })
    assert.match(stream.body, /event: line\ndata: .*checksum matches/)
    assert.match(stream.body, /event: end\ndata: \{"status":"succeeded"\}/)

    await psql(
      "UPDATE orders SET item = 'changed' WHERE id = 1; DELETE FROM orders WHERE id = 2; INSERT INTO orders VALUES (3, 'new-row')",
    )
    await psql('REVOKE ALL ON orders FROM reporting; DROP ROLE reporting')
    const wrong = await t.call(root, 'POST', `/api/v1/backup-runs/${backup.id}/restore`, { confirm: 'not-the-name' })
    assert.equal(wrong.status, 400)
    assert.equal(wrong.body.error.code, 'confirmation_mismatch')
    const restore = await t.call(root, 'POST', `/api/v1/backup-runs/${backup.id}/restore`, { confirm: 'orders' })
    assert.equal(restore.status, 202, JSON.stringify(restore.body))
    const restored = await waitForRun(t, root, restore.body.id)
    assert.equal(restored.status, 'succeeded', await runLog(t, root, restored.id))
    assert.equal(await psql('SELECT id, item FROM orders ORDER BY id'), '1|original-row-a\n2|original-row-b')
    // The role came back (before the dump, whose grant names it), with its password: it logs in.
    assert.equal(await psql("SELECT has_table_privilege('reporting', 'orders', 'SELECT')"), 't')
    assert.equal(
      (
        await execIn(pg.container, { PGPASSWORD: 'reporting-pw' }, [
          'psql',
          '-h',
          '127.0.0.1',
          '-U',
          'reporting',
          '-d',
          pg.database,
          '-At',
          '-c',
          'SELECT count(*) FROM orders',
        ])
      ).trim(),
      '2',
    )
    const runs = (await t.call(root, 'GET', `/api/v1/databases/${pg.uuid}/backups`)).body.runs
    const safety = runs.find((r: { trigger: string }) => r.trigger === 'safety')
    assert.equal(safety?.status, 'succeeded', 'a safety backup was taken first')

    // Into a new database created from the backup (deployed by Berth): the original is untouched.
    await psql("INSERT INTO orders VALUES (9, 'written-after-restore')")
    const unnamed = await t.call(root, 'POST', `/api/v1/backup-runs/${backup.id}/restore`, { target: 'new' })
    assert.equal(unnamed.body.error?.code, 'name_required')
    const intoNew = await t.call(root, 'POST', `/api/v1/backup-runs/${backup.id}/restore`, {
      target: 'new',
      name: 'orders-copy',
    })
    assert.equal(intoNew.status, 202, JSON.stringify(intoNew.body))
    assert.notEqual(intoNew.body.database_id, pg.uuid)
    projects.push(composeProjectName(intoNew.body.database_id))
    const copied = await waitForRun(t, root, intoNew.body.id)
    assert.equal(copied.status, 'succeeded', await runLog(t, root, copied.id))
    const copy = (await t.call(root, 'GET', `/api/v1/databases/${intoNew.body.database_id}`)).body
    assert.equal(copy.name, 'orders-copy')
    assert.equal(copy.image, POSTGRES_IMAGE)
    const inCopy = await execIn(`${composeProjectName(copy.uuid)}-postgresql-1`, {}, [
      'psql',
      '-U',
      'berth',
      '-d',
      copy.database,
      '-At',
      '-c',
      'SELECT id, item FROM orders ORDER BY id',
    ])
    assert.equal(inCopy.trim(), '1|original-row-a\n2|original-row-b')
    assert.equal(await psql('SELECT count(*) FROM orders'), '3')
  })

  it('MariaDB: a scheduled backup to S3, rows changed, restored; then (CLI) to a directory on the server and restored from it', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const maria = await deployedDatabase(t, root, projectId, 'mariadb', 'shop', MARIADB_IMAGE)
    projects.push(maria.project)
    passwords.push(maria.password)
    const dir = mkdtempSync('/tmp/berth-test-dbbackups-')
    dirs.push(dir)
    const destination = await t.call(root, 'POST', '/api/v1/backup-destinations', {
      kind: 'directory',
      name: 'server-dir',
      directory: { path: dir, helper_image: TEST_IMAGE },
    })
    const sql = (q: string) =>
      execIn(maria.container, { MYSQL_PWD: maria.password }, [
        'mariadb',
        '-u',
        'berth',
        '-N',
        maria.database,
        '-e',
        q,
      ]).then((o) => o.trim())
    await sql(
      "CREATE TABLE items (id int primary key, name text); INSERT INTO items VALUES (1, 'kept-a'), (2, 'kept-b')",
    )
    const rows = () => sql('SELECT id, name FROM items ORDER BY id')
    const backup = await scheduledBackup(maria.uuid, {})
    await sql("DELETE FROM items; INSERT INTO items VALUES (9, 'changed')")
    const restore = await t.call(root, 'POST', `/api/v1/backup-runs/${backup.id}/restore`, { confirm: 'shop' })
    assert.equal(restore.status, 202, JSON.stringify(restore.body))
    const restored = await waitForRun(t, root, restore.body.id)
    assert.equal(restored.status, 'succeeded', await runLog(t, root, restored.id))
    assert.equal(await rows(), '1\tkept-a\n2\tkept-b')

    // The CLI (its own process on the same data dir) backs up to the directory and restores from it.
    // (Not to S3 here: spawnSync blocks this process, where the test's S3 server runs.)
    const env = { BERTH_DATA_DIR: t.dataDir, ...(await databaseEnvFor(t.dataDir)) }
    const copy = berth(['db', 'backup', maria.uuid, '--destination', destination.body.id], env)
    assert.equal(copy.status, 0, copy.stderr)
    assert.match(copy.stderr, /checksum matches/)
    const copied = await waitForRun(t, root, copy.stdout.trim())
    const file = readFileSync(join(dir, copied.artifact_key)).toString()
    assert.match(file, /INSERT INTO `items` VALUES\s*\(1,'kept-a'\),\s*\(2,'kept-b'\)/)
    await sql("DELETE FROM items; INSERT INTO items VALUES (8, 'changed again')")
    const cli = berth(['db', 'restore', maria.uuid, copied.id], env)
    assert.equal(cli.status, 0, cli.stderr)
    assert.match(cli.stderr, /Taking a safety backup[\s\S]*Restore succeeded/)
    assert.equal((await waitForRun(t, root, cli.stdout.trim())).trigger, 'cli')
    assert.equal(await rows(), '1\tkept-a\n2\tkept-b')
  })

  it('Redis: a scheduled BGSAVE snapshot to S3, keys changed, restored (the server restarts and loads it)', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const redis = await deployedDatabase(t, root, projectId, 'redis', 'cache', REDIS_IMAGE)
    projects.push(redis.project)
    passwords.push(redis.password)
    const cli = (...args: string[]) =>
      execIn(redis.container, { REDISCLI_AUTH: redis.password }, ['redis-cli', ...args]).then((o) => o.trim())
    await cli('SET', 'greeting', 'original-value')
    const backup = await scheduledBackup(redis.uuid, { encrypt: true })
    await cli('SET', 'greeting', 'changed')
    await cli('SET', 'extra', 'x')
    const restore = await t.call(root, 'POST', `/api/v1/backup-runs/${backup.id}/restore`, { confirm: 'cache' })
    const restored = await waitForRun(t, root, restore.body.id)
    assert.equal(restored.status, 'succeeded', await runLog(t, root, restored.id))
    assert.equal(await cli('GET', 'greeting'), 'original-value')
    assert.equal(await cli('EXISTS', 'extra'), '0')
    // Every job change, run start and restore is in the audit log.
    const audit = await t.call(root, 'GET', `/api/v1/audit?resource_id=${redis.uuid}&limit=500`)
    const actions = audit.body.items.map((i: { action: string }) => i.action)
    for (const action of [
      'database_backup_job.created',
      'database_backup_job.updated',
      'database_backup.started',
      'database_backup.restore_started',
    ])
      assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`)
  })

  it('a backup to an unreachable destination fails with a clear line, notifies, and nothing claims success', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const redis = await deployedDatabase(t, root, projectId, 'redis', 'lost', REDIS_IMAGE)
    projects.push(redis.project)
    passwords.push(redis.password)
    const dead = await t.call(
      root,
      'POST',
      '/api/v1/backup-destinations',
      s3.destination('dead', { endpoint: 'http://127.0.0.1:9' }),
    )
    const queued = await t.call(root, 'POST', `/api/v1/databases/${redis.uuid}/backups`, {
      destination_id: dead.body.id,
    })
    const run = await waitForRun(t, root, queued.body.id)
    assert.equal(run.status, 'failed')
    assert.equal(run.verified, false)
    assert.match(run.message, /storing the artifact failed: .*(ECONNREFUSED|connect)/)
    const log = await runLog(t, root, run.id)
    assert.match(log, /Backup failed: storing the artifact failed/)
    assert.ok(!/Backup succeeded/.test(log))
    const messages = await waitFor(
      'the backup.failed notification',
      async () => {
        const got = receiver
          .to('/backups')
          .filter((m) => m.body.event === 'backup.failed' && m.body.summary.includes('database lost'))
        return got.length > 0 && got
      },
      20_000,
    )
    assert.match(messages[0]!.body.summary, /Backup of database lost failed/)
  })

  it('retention deletes old artifacts only after a later success, and no password appears anywhere', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const redis = await deployedDatabase(t, root, projectId, 'redis', 'kept', REDIS_IMAGE)
    projects.push(redis.project)
    passwords.push(redis.password)
    const job = (
      await t.call(root, 'POST', `/api/v1/databases/${redis.uuid}/backup-jobs`, {
        destination_id: s3Destination,
        keep_last: 1,
      })
    ).body
    const first = await waitForRun(t, root, (await t.call(root, 'POST', `/api/v1/backup-jobs/${job.id}/run`)).body.id)
    assert.equal(first.status, 'succeeded')
    // A failing run (the database's container is stopped) deletes nothing.
    await docker(['stop', redis.container])
    const failed = await waitForRun(t, root, (await t.call(root, 'POST', `/api/v1/backup-jobs/${job.id}/run`)).body.id)
    assert.equal(failed.status, 'failed')
    assert.equal((await t.call(root, 'GET', `/api/v1/backup-runs/${first.id}`)).body.pruned, false)
    await docker(['start', redis.container])
    await waitFor('redis to answer again', async () =>
      (await execIn(redis.container, { REDISCLI_AUTH: redis.password }, ['redis-cli', 'PING'])).includes('PONG'),
    )
    // A job runs through its database's backup route too, and only through its own database's.
    const foreign = await t.call(root, 'POST', `/api/v1/databases/${randomUUID()}/backups`, { job_id: job.id })
    assert.equal(foreign.status, 400, JSON.stringify(foreign.body))
    assert.equal(foreign.body.error.code, 'job_mismatch')
    const viaDatabase = await t.call(root, 'POST', `/api/v1/databases/${redis.uuid}/backups`, { job_id: job.id })
    assert.equal(viaDatabase.status, 202, JSON.stringify(viaDatabase.body))
    assert.equal(viaDatabase.body.job_id, job.id)
    const second = await waitForRun(t, root, viaDatabase.body.id)
    assert.equal(second.status, 'succeeded', await runLog(t, root, second.id))
    await waitFor(
      'the first to be pruned',
      async () => (await t.call(root, 'GET', `/api/v1/backup-runs/${first.id}`)).body.pruned,
    )
    const download = await t.call(root, 'GET', `/api/v1/backup-runs/${first.id}/download`)
    assert.equal(download.status, 409)

    // Every run's log, message and key, every audit row, every notification: no database password.
    await t.app.backupRuns.idle()
    const logs = await t.app.db.selectFrom('db_backup_run_logs').select('output').execute()
    const runs = await t.app.db.selectFrom('db_backup_runs').selectAll().execute()
    const audit = await t.app.db.selectFrom('audit_log').select('details').execute()
    const outbox = await t.app.db.selectFrom('notification_outbox').select('payload').execute()
    const text = JSON.stringify([logs, runs, audit, outbox])
    assert.ok(passwords.length >= 1)
    for (const p of passwords) assert.ok(!text.includes(p), 'a database password leaked')
  })
})
