import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkProblems } from './verify-restore.js'

describe('restore verification: mariadb-check output', () => {
  it('finds the errors and warnings, not the OK tables or the notes of engines without CHECK', () => {
    const output = [
      'berth_verify.items                                 OK',
      'berth_verify.archive',
      "note     : The storage engine for the table doesn't support check",
      'berth_verify.orders',
      'warning  : Table is marked as crashed',
      'error    : Corrupt',
    ].join('\n')
    assert.deepEqual(checkProblems(output), ['warning  : Table is marked as crashed', 'error    : Corrupt'])
    assert.deepEqual(checkProblems('berth_verify.items   OK\n'), [])
  })
})
