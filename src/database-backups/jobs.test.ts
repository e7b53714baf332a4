import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Cron } from 'croner'
import { tickOf } from './jobs.service.js'

describe('tickOf', () => {
  it('names one tick for every moment a process may fire it, and the next tick differently', () => {
    const cron = new Cron('*/2 * * * * *', { paused: true })
    try {
      const at = (iso: string) => tickOf(cron, new Date(iso))
      for (const fired of ['2026-11-29T10:13:14.000Z', '2026-11-29T10:13:14.008Z', '2026-11-29T10:13:15.900Z'])
        assert.equal(at(fired), '2026-11-29T10:13:14.000Z', fired)
      assert.equal(at('2026-11-29T10:13:16.003Z'), '2026-11-29T10:13:16.000Z')
    } finally {
      cron.stop()
    }
  })
})
