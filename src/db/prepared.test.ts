import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openDatabase, type Database } from './connection.js'
import { migrateToLatest } from './migrate.js'
import { preparedQuery } from './prepared.js'

describe('preparedQuery', () => {
  let dir: string
  let database: Database
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-prepared-'))
    database = openDatabase({ dialect: 'sqlite', path: join(dir, 'db.sqlite') })
    await migrateToLatest(database.db, 'sqlite')
    await database.db
      .insertInto('teams')
      .values([
        { id: 't1', name: 'one', created_at: '2026-01-01T00:00:00.000Z' },
        { id: 't2', name: 'two', created_at: '2026-01-02T00:00:00.000Z' },
      ])
      .execute()
  })
  after(async () => {
    await database.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('runs the same compiled query with each call’s own arguments, keeping constants', async () => {
    const teamNamed = preparedQuery((db, name: string) =>
      db.selectFrom('teams').select('id').where('name', '=', name).where('id', '!=', 'nobody'),
    )
    assert.deepEqual((await teamNamed(database.db, 'one')).rows, [{ id: 't1' }])
    assert.deepEqual((await teamNamed(database.db, 'two')).rows, [{ id: 't2' }])
    assert.deepEqual((await teamNamed(database.db, 'three')).rows, [])
  })

  it('refuses a builder that transforms its argument instead of passing it as a value', async () => {
    const bad = preparedQuery((db, name: string) =>
      db.selectFrom('teams').select('id').where('name', 'like', `${name}%`),
    )
    await assert.rejects(bad(database.db, 'o'), /transformed/)
  })
})
