import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openDatabase, type Database } from '../db/connection.js'
import { migrateToLatest } from '../db/migrate.js'
import { createRedactor } from '../crypto/redact.js'
import { createLineSplitter } from '../shared/lines.js'
import { insertQueued } from './deployments.repo.js'
import { createLogWriter } from './log-writer.js'

describe('deployment log writer', () => {
  let dir: string
  let database: Database

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-logs-'))
    database = openDatabase({ dialect: 'sqlite', path: join(dir, 'berth.db') })
    await migrateToLatest(database.db, 'sqlite')
  })
  after(async () => {
    await database.close()
    rmSync(dir, { recursive: true, force: true })
  })

  async function newDeployment(): Promise<string> {
    const row = await insertQueued(database.db, {
      teamId: 't',
      resource: { type: 'service', id: 'r', name: 'r' },
      server: { id: 's', name: 's' },
      action: 'deploy',
      trigger: 'api',
      createdBy: 'test',
    })
    return row.id
  }
  const rows = (id: string) =>
    database.db.selectFrom('deployment_logs').selectAll().where('deployment_id', '=', id).orderBy('seq').execute()

  it('stores redacted lines with consecutive sequence numbers, in one batch committed by its timer', async () => {
    const id = await newDeployment()
    const flushed: number[] = []
    let firstFlush: () => void = () => undefined
    const committed = new Promise<void>((resolve) => {
      firstFlush = resolve
    })
    const log = createLogWriter({
      db: database.db,
      deploymentId: id,
      firstSeq: 1,
      redact: createRedactor(['hunter2-secret']),
      onFlushed: (s) => {
        flushed.push(s)
        firstFlush()
      },
    })
    log.append('stdout', 'password is hunter2-secret')
    log.append('stderr', 'url postgres://u:pw@db/x')
    log.append('berth', 'debug', true)
    // Nothing but the writer's own timer commits the batch here (no close, no flush call).
    await committed
    assert.deepEqual(flushed, [3], 'one batch, committed by the timer')
    const stored = await rows(id)
    assert.deepEqual(
      stored.map((r) => [r.seq, r.stream, r.output, r.hidden]),
      [
        [1, 'stdout', 'password is <REDACTED>', 0],
        [2, 'stderr', 'url postgres://u:<REDACTED>@db/x', 0],
        [3, 'berth', 'debug', 1],
      ],
    )
    await log.close()
  })

  it('stores a burst of thousands of lines in order, each once, with non-decreasing timestamps', async () => {
    const id = await newDeployment()
    const flushed: number[] = []
    const log = createLogWriter({
      db: database.db,
      deploymentId: id,
      firstSeq: 1,
      redact: createRedactor(['hunter2-secret']),
      onFlushed: (s) => flushed.push(s),
    })
    // 4,567 lines: full batches, then a tail that needs every statement size.
    for (let i = 1; i <= 4567; i++) log.append(i % 2 ? 'stdout' : 'stderr', `line ${i} hunter2-secret`, i % 7 === 0)
    await log.close()
    const stored = await rows(id)
    assert.equal(stored.length, 4567)
    assert.deepEqual(
      stored.map((r) => r.seq),
      Array.from({ length: 4567 }, (_, i) => i + 1),
    )
    assert.deepEqual([stored[0]!.output, stored[4566]!.output], ['line 1 <REDACTED>', 'line 4567 <REDACTED>'])
    assert.deepEqual(
      [stored[6]!.hidden, stored[6]!.stream, stored[7]!.hidden, stored[7]!.stream],
      [1, 'stdout', 0, 'stderr'],
    )
    assert.ok(
      stored.every((r, i) => i === 0 || r.ts >= stored[i - 1]!.ts),
      'timestamps never go back',
    )
    assert.equal(flushed[flushed.length - 1], 4567)
  })

  it('truncates over-long lines and caps the total with one marker, but keeps Berth lines', async () => {
    const id = await newDeployment()
    const log = createLogWriter({
      db: database.db,
      deploymentId: id,
      firstSeq: 1,
      redact: (l) => l,
      maxLineChars: 10,
      maxLogChars: 60,
    })
    log.append('stdout', 'x'.repeat(50))
    log.append('stdout', 'short')
    log.append('stdout', 'this one is over the cap')
    log.append('stdout', 'dropped')
    log.append('berth', 'Finished')
    await log.close()
    const out = (await rows(id)).map((r) => r.output)
    assert.equal(out[0], `${'x'.repeat(10)} … [line truncated: 40 more characters]`)
    assert.equal(out[1], 'short')
    assert.match(out[2]!, /^\[log limit reached/)
    assert.deepEqual(out.slice(3), ['Finished'])
  })

  it('splits \\n, \\r\\n and \\r line ends across chunk boundaries', () => {
    const lines: string[] = []
    const s = createLineSplitter((l) => lines.push(l))
    s.push('a\r\nb')
    s.push('c\rd\n')
    s.push('tail')
    s.end()
    assert.deepEqual(lines, ['a', 'bc', 'd', 'tail'])
  })
})
