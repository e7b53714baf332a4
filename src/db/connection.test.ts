import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { openDatabase } from './connection.js'

/**
 * Each process reads the counter and writes it back plus one in a transaction, as Berth's services
 * do (a read that decides the write). Run from two processes on one file, the way `berth serve` and
 * the CLI share a data dir.
 */
const WRITER = `
const { openDatabase } = await import(process.env.CONNECTION_MODULE)
const { sql } = await import('kysely')
const database = openDatabase({ dialect: 'sqlite', path: process.env.DB_PATH })
for (let i = 0; i < 200; i++) {
  await database.db.transaction().execute(async (trx) => {
    const row = await sql\`select n from counter\`.execute(trx)
    await sql\`update counter set n = \${row.rows[0].n + 1}\`.execute(trx)
  })
}
await database.close()
`

function runWriter(path: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', WRITER], {
      env: { ...process.env, DB_PATH: path, CONNECTION_MODULE: new URL('./connection.ts', import.meta.url).href },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

describe('SQLite shared by several processes', () => {
  it('runs read-then-write transactions from two processes at once without "database is locked", losing no update', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-connection-'))
    const path = join(dir, 'berth.db')
    try {
      const setup = openDatabase({ dialect: 'sqlite', path })
      await setup.db.schema.createTable('counter').addColumn('n', 'integer').execute()
      await setup.db
        .insertInto('counter' as never)
        .values({ n: 0 } as never)
        .execute()
      await setup.close()

      const results = await Promise.all([runWriter(path), runWriter(path)])
      for (const r of results) assert.equal(r.code, 0, r.stderr)
      const check = openDatabase({ dialect: 'sqlite', path })
      const row = (await check.db
        .selectFrom('counter' as never)
        .select('n' as never)
        .executeTakeFirstOrThrow()) as {
        n: number
      }
      await check.close()
      assert.equal(row.n, 400, 'every increment of both processes is kept')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
