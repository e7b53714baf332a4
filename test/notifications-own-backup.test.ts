// Berth's own database backups tell the instance's channels how they ended (backup.succeeded /
// backup.failed), queued in the transaction that records the end.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { waitFor } from './support/docker.js'
import { sqliteOnly } from './support/dialect.js'
import { startTestApp, type TestApp } from './support/harness.js'
import { startReceiver } from './support/notify-receiver.js'

// Berth backs up its embedded SQLite database only (on PostgreSQL: pg_dump).
describe("notifications of Berth's own backups", { skip: sqliteOnly }, () => {
  let t: TestApp
  let admin: string
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  const scratch = mkdtempSync(join(tmpdir(), 'berth-own-backup-'))
  before(async () => {
    receiver = await startReceiver()
    t = await startTestApp({ BERTH_NOTIFICATION_GROUP_SECONDS: '0' })
    admin = await t.token(['root', 'instance'])
    const channel = await t.call(admin, 'POST', '/api/v1/instance/notifications/channels', {
      name: 'ops',
      type: 'webhook',
      url: receiver.url('/ops'),
      events: ['backup.failed', 'backup.succeeded'],
    })
    assert.equal(channel.status, 201, JSON.stringify(channel.body))
  })
  after(async () => {
    await t.close()
    await receiver.close()
    rmSync(scratch, { recursive: true, force: true })
  })

  it('tells the instance that a backup succeeded, and that one failed with the reason', async () => {
    const made = await t.call(admin, 'POST', '/api/v1/backups')
    assert.equal(made.status, 201, JSON.stringify(made.body))
    const [ok] = await waitFor(
      'the succeeded message',
      async () => receiver.to('/ops').length > 0 && receiver.to('/ops'),
    )
    assert.equal(ok!.body.event, 'backup.succeeded')
    assert.match(ok!.body.text, new RegExp(`${made.body.file_name}: \\d+ bytes, sha256 ${made.body.sha256}`))

    // A backup directory that cannot be made (a file stands where a folder should): recorded failed and told.
    writeFileSync(join(scratch, 'not-a-folder'), '')
    const failed = await t.app.backups.create('schedule', SYSTEM_ACTOR, join(scratch, 'not-a-folder', 'backups'))
    assert.equal(failed.status, 'failed')
    const bad = await waitFor('the failed message', async () =>
      receiver.to('/ops').find((r) => r.body.event === 'backup.failed'),
    )
    assert.equal(bad.body.summary, "Backup of Berth's own database failed")
    assert.match(bad.body.text, /Error: .*not-a-folder/)
    assert.match(bad.body.text, /Started by: schedule/)
  })
})
