import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import SqliteDatabase from 'better-sqlite3'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { startBackupScheduler } from '../src/backups/backup.scheduler.js'
import { verifyAndDecompress } from '../src/backups/backup-file.js'
import { restoreBackup } from '../src/backups/restore.js'
import { loadConfig } from '../src/config.js'
import { REPO_ROOT } from './support/cli.js'
import { TEST_DIALECT, dropTestDatabase, sqliteOnly } from './support/dialect.js'
import { SAMPLE_COMPOSE, startTestApp, startTestAppIn, type TestApp } from './support/harness.js'

const fileHash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

function dumpTables(path: string): Record<string, unknown[]> {
  const db = new SqliteDatabase(path, { readonly: true })
  try {
    const tables = (
      db
        .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
        .all() as { name: string }[]
    ).map((t) => t.name)
    // A full scan reads rows in key order: the rowid, or the key of a WITHOUT ROWID table (which has no rowid).
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`select * from "${t}"`).all()]))
  } finally {
    db.close()
  }
}

// Backups copy the embedded SQLite database; on PostgreSQL they are refused (see backup.service.ts).
describe('backups and restore', { skip: sqliteOnly }, () => {
  let t: TestApp
  let root: string
  before(async () => {
    t = await startTestApp({ BERTH_BACKUP_SCHEDULE: 'off' })
    root = await t.token(['root', 'instance'])
    const project = await t.call(root, 'POST', '/api/v1/projects', { name: 'kept' })
    await t.call(root, 'POST', `/api/v1/projects/${project.body.uuid}/services`, {
      name: 'web',
      compose: SAMPLE_COMPOSE,
    })
  })
  after(() => t.close())

  it('takes a consistent backup while another process commits 1,000 transactions', async () => {
    const dbPath = join(t.dataDir, 'berth.db')
    const writer = spawn(process.execPath, [join(REPO_ROOT, 'test/support/writer-loop.mjs'), dbPath, '1000'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let committed = 0
    writer.stdout.on('data', (chunk: Buffer) => (committed = Number(chunk.toString().trim().split('\n').pop())))
    const exited = new Promise((resolve) => writer.on('exit', resolve))
    while (committed < 200 && writer.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 5))
    assert.ok(committed >= 200, 'the writer process is committing')

    const committedBefore = committed
    const res = await t.call(root, 'POST', '/api/v1/backups')
    assert.equal(res.status, 201, JSON.stringify(res.body))
    assert.equal(res.body.status, 'succeeded')
    assert.equal(res.body.verified, true)
    assert.equal(await exited, 0)
    assert.ok(committedBefore < 1000, 'the backup ran while the writer was still writing')

    const unpacked = join(t.dataDir, 'unpacked.db')
    await verifyAndDecompress(join(t.dataDir, 'backups', res.body.file_name), unpacked)
    const copy = new SqliteDatabase(unpacked, { readonly: true })
    assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok')
    const ticks = (
      copy.prepare("select resource_id from audit_log where action = 'writer.tick' order by id").all() as {
        resource_id: string
      }[]
    ).map((r) => Number(r.resource_id))
    copy.close()
    assert.ok(
      ticks.length >= committedBefore,
      `every transaction committed before the backup started is in it (${ticks.length} >= ${committedBefore})`,
    )
    assert.deepEqual(
      ticks,
      Array.from({ length: ticks.length }, (_, i) => i + 1),
      'the copy holds a gap-free prefix of the commits',
    )
  })

  it('lists backups with size, checksum and verified flag, and downloads them for instance administrators only', async () => {
    const list = await t.call(root, 'GET', '/api/v1/backups')
    const backup = list.body.backups[0]
    assert.ok(backup.size_bytes > 0)
    assert.match(backup.sha256, /^[0-9a-f]{64}$/)
    const download = await t.server.inject({
      method: 'GET',
      url: `/api/v1/backups/${backup.id}/download`,
      headers: { authorization: `Bearer ${root}` },
    })
    assert.equal(download.statusCode, 200)
    assert.equal(createHash('sha256').update(download.rawPayload).digest('hex'), backup.sha256)
    const writer = await t.token(['read', 'write', 'deploy', 'read:sensitive'])
    assert.equal((await t.call(writer, 'GET', '/api/v1/backups')).status, 403)
  })

  it('runs scheduled backups and prunes old ones, keeping recent ones', async () => {
    const before = (await t.app.backups.list()).length
    const old = await t.app.backups.create('test', SYSTEM_ACTOR)
    await t.app.db
      .updateTable('backups')
      .set({ started_at: '2020-01-01T00:00:00.000Z' })
      .where('id', '=', old.id)
      .execute()
    const scheduler = startBackupScheduler({
      backups: t.app.backups,
      schedule: '* * * * * *',
      retentionDays: 7,
      logger: t.app.logger,
    })
    const done = async () => {
      const list = await t.app.backups.list()
      return (
        list.some((b) => b.trigger === 'schedule' && b.status === 'succeeded') && !list.some((b) => b.id === old.id)
      )
    }
    try {
      const deadline = Date.now() + 15_000
      while (!(await done()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    } finally {
      scheduler.stop()
    }
    const after = await t.app.backups.list()
    assert.ok(
      after.some((b) => b.trigger === 'schedule' && b.status === 'succeeded'),
      'a scheduled backup ran',
    )
    assert.ok(!after.some((b) => b.id === old.id), 'the 2020 backup was pruned')
    assert.ok(!existsSync(join(t.dataDir, 'backups', old.file_name)), 'its file is gone')
    assert.ok(after.length >= before, 'recent backups are kept')
    // The scheduler's rows belong to no team: root sees them, a team member without root does not.
    const audit = await t.call(root, 'GET', '/api/v1/audit?action=backup.pruned')
    assert.equal(audit.body.items.length, 1)
    assert.equal(audit.body.items[0].actor.type, 'system')
    const reader = await t.token(['read'])
    assert.equal((await t.call(reader, 'GET', '/api/v1/audit?action=backup.pruned')).body.items.length, 0)
  })

  it('restores a backup exactly (audit rows included), keeping a safety copy, and refuses while a server runs', async () => {
    const atBackup = dumpTables(join(t.dataDir, 'berth.db'))
    const backup = await t.app.backups.create('test', SYSTEM_ACTOR)
    const backupPath = join(t.dataDir, 'backups', backup.file_name)
    const projects = await t.call(root, 'GET', '/api/v1/projects')
    await t.call(root, 'DELETE', `/api/v1/projects/${projects.body.projects[0].uuid}`)

    const config = loadConfig({ BERTH_DATA_DIR: t.dataDir, LOG_LEVEL: 'silent' })
    const sleeper = spawn('sleep', ['30'])
    writeFileSync(join(t.dataDir, 'server.pid'), `${sleeper.pid}\n`)
    await assert.rejects(restoreBackup(config, backupPath), /is running on/)
    sleeper.kill()
    rmSync(join(t.dataDir, 'server.pid'))

    await t.server.close()
    await t.app.close()
    const report = await restoreBackup(config, backupPath)
    assert.ok(report.safetyCopy && existsSync(report.safetyCopy))
    const restored = dumpTables(join(t.dataDir, 'berth.db'))
    // Only the backups table differs: the snapshot holds its own row, still "running".
    assert.deepEqual({ ...restored, backups: [] }, { ...atBackup, backups: [] })
    t = await startTestAppIn(t.dataDir, { BERTH_BACKUP_SCHEDULE: 'off' })
    assert.equal((await t.call(root, 'GET', '/api/v1/projects')).body.projects.length, 1)
  })

  it('refuses a truncated or foreign backup and leaves the database untouched', async () => {
    const backup = await t.app.backups.create('test', SYSTEM_ACTOR)
    await t.server.close()
    await t.app.close()
    const config = loadConfig({ BERTH_DATA_DIR: t.dataDir, LOG_LEVEL: 'silent' })
    const live = join(t.dataDir, 'berth.db')
    const before = fileHash(live)
    const entriesBefore = readdirSync(t.dataDir).sort()

    const truncated = join(t.dataDir, 'truncated.db.gz')
    writeFileSync(truncated, readFileSync(join(t.dataDir, 'backups', backup.file_name)))
    truncateSync(truncated, 200)
    writeFileSync(`${truncated}.sha256`, `${fileHash(truncated)}  truncated.db.gz\n`)
    await assert.rejects(restoreBackup(config, truncated), /nothing was changed: the backup cannot be decompressed/)

    const foreign = join(t.dataDir, 'foreign.db.gz')
    const { gzipSync } = await import('node:zlib')
    writeFileSync(foreign, gzipSync(Buffer.from('this is not a database at all'.repeat(100))))
    writeFileSync(`${foreign}.sha256`, `${fileHash(foreign)}  foreign.db.gz\n`)
    await assert.rejects(restoreBackup(config, foreign), /nothing was changed: the file is not a sound SQLite database/)

    const tampered = join(t.dataDir, 'backups', backup.file_name)
    writeFileSync(`${tampered}.sha256`, `${'0'.repeat(64)}  x\n`)
    await assert.rejects(restoreBackup(config, tampered), /checksum mismatch/)

    assert.equal(fileHash(live), before, 'the live database is byte-for-byte unchanged')
    const added = readdirSync(t.dataDir).filter((f) => !entriesBefore.includes(f))
    assert.deepEqual(
      added.sort(),
      ['foreign.db.gz', 'foreign.db.gz.sha256', 'truncated.db.gz', 'truncated.db.gz.sha256'],
      'no staging or safety files are left behind',
    )
    t = await startTestAppIn(t.dataDir, { BERTH_BACKUP_SCHEDULE: 'off' })
  })
})

describe('health and metrics', () => {
  it('reports a healthy database with WAL size, then 503 naming the database when it is unreachable', async () => {
    const t = await startTestApp()
    const healthy = await t.call(undefined, 'GET', '/health')
    assert.equal(healthy.status, 200)
    assert.equal(healthy.body.database.dialect, TEST_DIALECT)
    if (TEST_DIALECT === 'sqlite') assert.equal(typeof healthy.body.database.wal.size_bytes, 'number')
    assert.equal(healthy.body.database.migrations.pending, 0)
    assert.ok('last_sync' in healthy.body.proxy && 'drift' in healthy.body.proxy, 'health reports the proxy sync')
    // Stop the deployment workers first: they poll the database and would keep the process alive.
    await t.app.stopBackground()
    await t.app.database.close()
    const down = await t.call(undefined, 'GET', '/health')
    assert.equal(down.status, 503)
    assert.deepEqual(down.body.failing, ['database'])
    assert.equal(down.body.database.connected, false)
    assert.equal((await t.call(undefined, 'GET', '/health/live')).status, 200, 'liveness does no I/O')
    await t.server.close()
    await dropTestDatabase(t.dataDir)
    rmSync(t.dataDir, { recursive: true, force: true })
  })

  it('serves /metrics as valid Prometheus text with request durations and backup age', async () => {
    const t = await startTestApp()
    await t.call(undefined, 'GET', '/health')
    const res = await t.server.inject({ method: 'GET', url: '/metrics' })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/)
    const sample =
      /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|NaN|[+-]Inf)( -?[0-9]+)?$/i
    for (const line of res.body.split('\n').filter((l) => l && !l.startsWith('#'))) assert.match(line, sample)
    assert.match(res.body, /berth_http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} 1/)
    assert.match(res.body, /^berth_backup_age_seconds -1$/m)
    assert.match(res.body, /^berth_deployment_log_lines_ingested 0$/m)
    assert.match(res.body, /^berth_proxy_sync_runs \d+$/m)
    await t.close()
  })
})
