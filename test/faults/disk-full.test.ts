// The data dir's disk fills up (a small tmpfs, filled with a file): writes answer 503 storage_full
// with a sentence, reads keep working, nothing stored is damaged, and once space returns the next
// write succeeds without a restart.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it, type TestContext } from 'node:test'
import { sql } from 'kysely'
import { openDatabase } from '../../src/db/connection.js'
import { bearerApi, startServer } from '../support/cli.js'
import { prepareServerDataDir } from '../support/server-setup.js'
import { sqliteOnly } from '../support/dialect.js'

const DISK_MB = 32
const compose = (n: number) => `services:\n  app:\n    image: example/app:${n}\n`

/** Mounts a tmpfs of DISK_MB (root only); skips outside CI when that is impossible, fails in CI. */
function mountSmallDisk(t: TestContext, dir: string): boolean {
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_MB}m`, 'tmpfs', dir], { encoding: 'utf8' })
  if (mounted.status === 0) return true
  const reason = `cannot mount a tmpfs for the disk-full test: ${mounted.stderr.trim() || mounted.error?.message}`
  if (process.env.CI === 'true') throw new Error(reason)
  t.skip(reason)
  return false
}

/** Writes a file until the disk refuses more; returns its path. */
function fillDisk(dir: string): string {
  const path = join(dir, 'filler')
  const fd = openSync(path, 'w')
  const chunk = Buffer.alloc(256 * 1024, 1)
  try {
    for (;;) writeSync(fd, chunk)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
  } finally {
    closeSync(fd)
  }
  return path
}

describe('a full data disk', { skip: sqliteOnly }, () => {
  const cleanup: (() => void)[] = []
  after(() => {
    for (const step of cleanup.reverse()) step()
  })

  it('refuses writes with 503 storage_full, keeps serving reads, and recovers when space returns', async (t) => {
    const mountPoint = mkdtempSync(join(tmpdir(), 'berth-disk-'))
    cleanup.push(() => rmSync(mountPoint, { recursive: true, force: true }))
    if (!mountSmallDisk(t, mountPoint)) return
    cleanup.push(() => void spawnSync('umount', ['--lazy', mountPoint]))
    const dataDir = join(mountPoint, 'data')
    mkdirSync(dataDir)
    const { env, config, token } = await prepareServerDataDir(dataDir, ['root'], { BERTH_BACKUP_SCHEDULE: 'off' })
    const server = await startServer({ ...env, LOG_LEVEL: 'error' })
    cleanup.push(() => void server.child.kill('SIGKILL'))
    let serverLog = ''
    for (const stream of [server.child.stdout!, server.child.stderr!])
      stream.on('data', (c: Buffer) => (serverLog += c.toString()))
    const api = bearerApi(server.url, token)
    const project = (await api('POST', '/projects', { name: 'disk' })).body.uuid
    const service = (await api('POST', `/projects/${project}/services`, { name: 'app', compose: compose(1) })).body.uuid

    const filler = fillDisk(mountPoint)
    const refused: string[] = []
    let base = 1
    for (let n = 2; n < 12; n++) {
      // A write with a body large enough not to fit in pages SQLite already holds.
      const res = await api('PUT', `/services/${service}/compose`, {
        yaml: `${compose(n)}    labels:\n      pad: "${'x'.repeat(200_000)}"\n`,
        base_version: base,
      })
      if (res.status === 200) {
        base = res.body.version
        continue
      }
      assert.equal(res.status, 503, `${JSON.stringify(res.body)}\n${serverLog.slice(-3000)}`)
      assert.equal(res.body.error.code, 'storage_full')
      assert.match(res.body.error.message, /data disk is full/)
      refused.push(res.body.error.code)
    }
    assert.ok(refused.length > 0, 'a write was refused while the disk was full')
    const read = await api('GET', `/services/${service}/compose`)
    assert.equal(read.status, 200, 'reads keep working')
    assert.equal(read.body.version, base)

    unlinkSync(filler)
    const after = await api('PUT', `/services/${service}/compose`, { yaml: compose(99), base_version: base })
    assert.equal(after.status, 200, `a write succeeds once space returns: ${JSON.stringify(after.body)}`)
    assert.equal(after.body.version, base + 1)
    t.diagnostic(
      `${refused.length} writes refused with storage_full; version ${after.body.version} saved after space returned`,
    )

    server.child.kill('SIGKILL')
    await new Promise((r) => server.child.once('close', r))
    const database = openDatabase(config.database)
    try {
      const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(database.db)
      assert.deepEqual(
        check.rows.map((r) => r.integrity_check),
        ['ok'],
      )
      const versions = await database.db
        .selectFrom('compose_versions')
        .select('version')
        .where('service_id', '=', service)
        .orderBy('version')
        .execute()
      assert.deepEqual(
        versions.map((v) => v.version),
        versions.map((_, i) => i + 1),
      )
    } finally {
      await database.close()
    }
  })
})
