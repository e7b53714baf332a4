import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { createBatchWriter } from './file-writer.js'

describe('batched atomic writes', () => {
  const root = mkdtempSync(join(tmpdir(), 'berth-files-'))
  after(() => rmSync(root, { recursive: true, force: true }))
  const files = (dir: string, n: number, version: string) =>
    Array.from({ length: n }, (_, i) => ({ path: join(root, dir, `project-${i}.yml`), content: `# ${version} ${i}\n` }))
  async function writeAll(list: { path: string; content: string }[]) {
    const writer = createBatchWriter()
    for (const f of list) writer.add(f.path, f.content)
    await writer.finish()
  }
  const contents = (dir: string) =>
    readdirSync(join(root, dir))
      .sort()
      .map((name) => `${name}=${readFileSync(join(root, dir, name), 'utf8')}`)

  it('writes and then replaces a big batch (one file-system flush) and leaves no temp file', async () => {
    await writeAll(files('big', 40, 'v1'))
    await writeAll(files('big', 40, 'v2'))
    const found = contents('big')
    assert.equal(found.length, 40)
    assert.ok(
      found.every((f) => /^project-\d+\.yml=# v2 \d+\n$/.test(f)),
      found.join(' '),
    )
  })

  it('still makes every file durable where no sync command can be run (one fsync per file)', async () => {
    const path = process.env.PATH
    process.env.PATH = join(root, 'no-commands-here')
    try {
      await writeAll(files('no-sync', 40, 'v1'))
    } finally {
      process.env.PATH = path
    }
    assert.equal(contents('no-sync').filter((f) => f.includes('# v1')).length, 40)
  })

  it('writes a small batch with a fsync per file', async () => {
    await writeAll(files('small', 3, 'v1'))
    assert.deepEqual(contents('small'), ['project-0.yml=# v1 0\n', 'project-1.yml=# v1 1\n', 'project-2.yml=# v1 2\n'])
  })
})
