// A run never stores a zero-byte or cut-off dump as a backup: the dump command's output streamed
// into a real S3-compatible server (s3rver), the dump a real process (a shell standing in for the
// engine's tool inside `docker exec`) that writes nothing, or dies half-way.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { dumpToStore } from '../src/database-backups/run-exec.js'
import { s3Store } from '../src/database-backups/stores.js'
import { S3_SECRET_KEY, startS3 } from './support/s3.js'

describe('a dump that is empty or cut off', () => {
  let s3: Awaited<ReturnType<typeof startS3>>
  let store: ReturnType<typeof s3Store>
  const lines: string[] = []
  const log = { append: (_stream: string, line: string) => lines.push(line) }
  const dump = (script: string) => spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] })
  const objects = () =>
    readdirSync(s3.directory, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('._S3rver_object'))

  before(async () => {
    s3 = await startS3()
    store = s3Store(s3.destination('checks').s3, S3_SECRET_KEY)
  })
  after(() => s3.close())

  it('fails a dump that wrote nothing, and stores nothing', async () => {
    await assert.rejects(dumpToStore(dump('exit 0'), store, 'db/empty.dump', null, log), /the dump is empty/)
    assert.deepEqual(objects(), [])
  })

  it('fails a dump that died after writing part of it, and deletes the part already stored', async () => {
    const cutOff = dump('head -c 3000000 /dev/zero; echo "connection lost" >&2; kill -9 $$')
    await assert.rejects(dumpToStore(cutOff, store, 'db/cut.dump', null, log), /the dump command exited/)
    assert.deepEqual(objects(), [])
    assert.ok(lines.includes('connection lost'), lines.join('\n'))
    assert.ok(!lines.some((l) => l.startsWith('Stored ')), 'nothing claims it was stored')
  })

  it('stores and reads back a whole dump', async () => {
    const artifact = await dumpToStore(dump('head -c 3000000 /dev/zero'), store, 'db/whole.dump', null, log)
    assert.equal(artifact.size, 3_000_000)
    assert.ok(lines.includes('Read back: checksum matches'))
    assert.equal(objects().length, 1)
  })
})
