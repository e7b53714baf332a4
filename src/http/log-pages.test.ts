import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openDatabase, type Database } from '../db/connection.js'
import { migrateToLatest } from '../db/migrate.js'
import { insertQueued, readLogs } from '../deployments/deployments.repo.js'
import { createLogPages } from './log-pages.js'
import { createLogWriter } from '../deployments/log-writer.js'

describe('shared log pages for followers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-log-pages-'))
  let database: Database
  let deploymentId: string
  let reads = 0
  let status: 'in_progress' | 'finished' = 'in_progress'

  before(async () => {
    database = openDatabase({ dialect: 'sqlite', path: join(dir, 'berth.db') })
    await migrateToLatest(database.db, 'sqlite')
    deploymentId = (
      await insertQueued(database.db, {
        teamId: 't',
        resource: { type: 'service', id: 'r', name: 'r' },
        server: { id: 's', name: 's' },
        action: 'deploy',
        trigger: 'api',
        createdBy: 'test',
      })
    ).id
  })
  after(async () => {
    await database.close()
    rmSync(dir, { recursive: true, force: true })
  })

  // Reads the real stored rows, counting the reads (hidden lines left out, as the stream does).
  const pages = createLogPages({
    read: async (_team, id, from, limit) => {
      reads++
      const rows = await readLogs(database.db, id, from, limit)
      return {
        status,
        lines: rows.filter((r) => r.hidden === 0),
        next_after: rows.length > 0 ? rows[rows.length - 1]!.seq : from,
      }
    },
    size: 10,
  })

  /** Follows from `from` until caught up, as the stream's pump does; returns the sequence numbers seen. */
  async function follow(from: number) {
    const seen: number[] = []
    let position = from
    for (;;) {
      const slice = await pages.after('t', deploymentId, position)
      seen.push(...[...slice.text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1])))
      if (slice.nextAfter === position) return { seen, position, status: slice.status }
      position = slice.nextAfter
    }
  }

  it('gives every follower every visible line in order, reading each page once for followers in step', async () => {
    const writer = createLogWriter({ db: database.db, deploymentId, firstSeq: 1, redact: (l) => l })
    for (let i = 1; i <= 25; i++) writer.append('stdout', `line ${i}`, i === 12)
    await writer.flush()
    reads = 0
    const [a, b, c] = await Promise.all([follow(0), follow(0), follow(0)])
    const visible = Array.from({ length: 25 }, (_, i) => i + 1).filter((n) => n !== 12)
    for (const f of [a, b, c]) {
      assert.deepEqual(f!.seen, visible)
      assert.equal(f!.position, 25)
      assert.equal(f!.status, 'in_progress')
    }
    // Three pages (10, 10, 5 lines) and the empty read at the end, once for the three followers.
    assert.equal(reads, 4)

    // More lines: a caught-up follower gets only the new ones; one resuming mid-page (Last-Event-ID) too.
    for (let i = 26; i <= 32; i++) writer.append('stdout', `line ${i}`)
    await writer.close()
    status = 'finished'
    assert.deepEqual((await follow(25)).seen, [26, 27, 28, 29, 30, 31, 32])
    const resumed = await follow(17)
    assert.deepEqual(resumed.seen, [18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32])
    assert.equal(resumed.status, 'finished')
  })
})
