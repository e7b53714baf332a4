// Restore verification of MariaDB and Redis backups, with one deployed container of each (Debian's
// servers in local test images): a job's backup is restored into a throw-away container of the
// database's image and checked by the engine's own tool; a truncated snapshot fails the check with
// a clear line, a dump that does not load fails its run (restore_verified false, nothing kept), and
// restoring that dump into a new database removes the new database again.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, truncateSync, copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { directoryStore } from '../src/database-backups/stores.js'
import { verifyRestore } from '../src/database-backups/verify-restore.js'
import { createDockerHost, LOCAL_DOCKER_HOST } from '../src/servers/docker-host.js'
import {
  MARIADB_IMAGE,
  deployedDatabase,
  execIn,
  runLog,
  verifyContainersOf,
  waitForRun,
} from './support/db-backups.js'
import { docker, REDIS_IMAGE, removeProject, requireDocker, TEST_IMAGE, waitFor } from './support/docker.js'
import { composeProjectName } from '../src/deployments/resources.js'
import { startTestApp, type TestApp } from './support/harness.js'

describe('verifying backups by a restore into a throw-away container (MariaDB, Redis)', () => {
  let t: TestApp
  let root: string
  let projectId: string
  let dir: string
  let destination: string
  const projects: string[] = []
  const host = createDockerHost({ id: 'local', docker_host: LOCAL_DOCKER_HOST }, null, '/nonexistent')
  const store = () => directoryStore({ path: dir, helper_image: TEST_IMAGE }, host)
  const lines: string[] = []
  const log = { append: (_stream: string, line: string) => lines.push(line) }

  before(async () => {
    t = await startTestApp()
    root = await t.token(['root'])
    dir = mkdtempSync('/tmp/berth-test-verify-')
    projectId = (await t.call(root, 'POST', '/api/v1/projects', { name: 'verify' })).body.uuid
    destination = (
      await t.call(root, 'POST', '/api/v1/backup-destinations', {
        kind: 'directory',
        name: 'verify-dir',
        directory: { path: dir, helper_image: TEST_IMAGE },
      })
    ).body.id
  })
  after(async () => {
    await t.close()
    for (const p of projects) await removeProject(p)
    rmSync(dir, { recursive: true, force: true })
  })

  /** Runs a verifying job of the database once; the ended run. */
  async function verifiedBackup(uuid: string) {
    const job = await t.call(root, 'POST', `/api/v1/databases/${uuid}/backup-jobs`, {
      destination_id: destination,
      verify_restore: true,
    })
    assert.equal(job.status, 201, JSON.stringify(job.body))
    const queued = await t.call(root, 'POST', `/api/v1/backup-jobs/${job.body.id}/run`)
    return waitForRun(t, root, queued.body.id)
  }

  /** A truncated copy of a stored snapshot, verified like a job's backup. */
  async function verifyTruncated(run: { id: string; artifact_key: string }) {
    const key = `${run.artifact_key}.truncated`
    copyFileSync(join(dir, run.artifact_key), join(dir, key))
    truncateSync(join(dir, key), Math.floor(readFileSync(join(dir, key)).length / 2))
    const backup = { id: run.id, artifact_key: key, globals_key: null, encrypted: 0 }
    return verifyRestore({ host, store: store(), artifactKey: Buffer.alloc(32) }, backup, 'redis', REDIS_IMAGE, log)
  }

  it('MariaDB: a verified backup; a dump that does not load fails its run, and a restore of it into a new database leaves nothing', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const maria = await deployedDatabase(t, root, projectId, 'mariadb', 'verified', MARIADB_IMAGE)
    projects.push(maria.project)
    const sql = (q: string) =>
      execIn(maria.container, {}, ['sh', '-c', `MYSQL_PWD="$MARIADB_ROOT_PASSWORD" mariadb -u root -N -e "${q}"`])
    await sql(
      `CREATE TABLE ${maria.database}.items (id int primary key, name text); INSERT INTO ${maria.database}.items VALUES (1, 'a'), (2, 'b')`,
    )
    const good = await verifiedBackup(maria.uuid)
    assert.equal(good.status, 'succeeded', await runLog(t, root, good.id))
    assert.equal(good.restore_verified, true)
    assert.match(
      await runLog(t, root, good.id),
      /Verified: the dump loaded into a throw-away server, 1 tables, mariadb-check found no error/,
    )

    // (A truncated dump fails the same way as this one: the client stops at the broken statement.)
    // A view of another database's table: the dump names it, a server without that database cannot load it.
    await sql(
      `CREATE DATABASE elsewhere; CREATE TABLE elsewhere.t (x int); CREATE VIEW ${maria.database}.outside AS SELECT x FROM elsewhere.t`,
    )
    const bad = await verifiedBackup(maria.uuid)
    const badLog = await runLog(t, root, bad.id)
    assert.equal(bad.status, 'failed', badLog)
    assert.equal(bad.restore_verified, false)
    assert.match(bad.message, /^the restore check failed, so the backup was deleted: the restore command exited/)
    assert.match(badLog, /elsewhere/)
    assert.equal(bad.artifact_key, null)
    assert.equal(await verifyContainersOf(bad.id), '')

    // Kept without the check, the same dump restored into a new database fails: the new database goes again.
    const unchecked = await t.call(root, 'POST', `/api/v1/databases/${maria.uuid}/backups`, {
      destination_id: destination,
    })
    assert.equal((await waitForRun(t, root, unchecked.body.id)).status, 'succeeded')
    const into = await t.call(root, 'POST', `/api/v1/backup-runs/${unchecked.body.id}/restore`, {
      target: 'new',
      name: 'half-made',
    })
    assert.equal(into.status, 202, JSON.stringify(into.body))
    const made = composeProjectName(into.body.database_id)
    projects.push(made)
    const failed = await waitForRun(t, root, into.body.id)
    assert.equal(failed.status, 'failed')
    assert.match(failed.message, /exited with status 1 before it finished; the new database half-made was removed$/)
    assert.equal((await t.call(root, 'GET', `/api/v1/databases/${into.body.database_id}`)).status, 404)
    await waitFor('the new database container and volume to be removed', async () => {
      const filter = ['--filter', `label=com.docker.compose.project=${made}`]
      const left = await docker(['ps', '-aq', ...filter])
      const volumes = await docker(['volume', 'ls', '-q', ...filter])
      return left.stdout.trim() === '' && volumes.stdout.trim() === ''
    })
  })

  it('Redis: a verified snapshot, and a truncated one rejected by redis-check-rdb', async (ctx) => {
    if (!(await requireDocker(ctx))) return
    const redis = await deployedDatabase(t, root, projectId, 'redis', 'verified-cache', REDIS_IMAGE)
    projects.push(redis.project)
    await execIn(redis.container, { REDISCLI_AUTH: redis.password }, ['redis-cli', 'SET', 'greeting', 'x'.repeat(4000)])
    const good = await verifiedBackup(redis.uuid)
    assert.equal(good.status, 'succeeded', await runLog(t, root, good.id))
    assert.equal(good.restore_verified, true)
    assert.match(await runLog(t, root, good.id), /Verified: redis-check-rdb read 1 keys from the snapshot/)
    await assert.rejects(verifyTruncated(good), /redis-check-rdb found the snapshot broken/)
  })
})
