import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { backupsToPrune } from './retention.js'

const now = new Date('2026-11-29T00:00:00.000Z')
const daysAgo = (d: number) => ({ id: `d${d}`, created_at: new Date(now.getTime() - d * 86_400_000).toISOString() })
const kept = [daysAgo(0), daysAgo(1), daysAgo(2), daysAgo(5), daysAgo(10)]
const ids = (runs: { id: string }[]) => runs.map((r) => r.id)

describe('backup retention', () => {
  it('keeps the newest N', () => {
    assert.deepEqual(ids(backupsToPrune(kept, { keep_last: 2, keep_days: null }, now)), ['d2', 'd5', 'd10'])
  })
  it('keeps those younger than N days', () => {
    assert.deepEqual(ids(backupsToPrune(kept, { keep_last: null, keep_days: 3 }, now)), ['d5', 'd10'])
  })
  it('keeps a backup either rule keeps', () => {
    assert.deepEqual(ids(backupsToPrune(kept, { keep_last: 4, keep_days: 1 }, now)), ['d10'])
  })
  it('keeps everything without a rule, and always the newest', () => {
    assert.deepEqual(backupsToPrune(kept, { keep_last: null, keep_days: null }, now), [])
    assert.deepEqual(ids(backupsToPrune([daysAgo(30)], { keep_last: null, keep_days: 1 }, now)), [])
  })
})
