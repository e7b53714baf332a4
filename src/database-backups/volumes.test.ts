import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { engineVolumeName, volumeHelperArgs } from './volumes.js'

describe('volume backup helper', () => {
  it('reads the volume through a read-only mount, and writes it only when restoring', () => {
    const dump = volumeHelperArgs('p_data', 'busybox:1', 'dump')
    assert.ok(dump.includes('p_data:/berth-volume:ro'))
    assert.ok(!dump.includes('-i'))
    const restore = volumeHelperArgs('p_data', 'busybox:1', 'restore')
    assert.ok(restore.includes('p_data:/berth-volume'))
    assert.ok(restore.includes('-i'))
    assert.deepEqual(dump.slice(dump.indexOf('--network'), dump.indexOf('--network') + 2), ['--network', 'none'])
  })

  it("names the engine's volume after the service's compose project", () => {
    assert.match(engineVolumeName('0b6c6e4e-7d57-4d5a-9d4e-2d2b2f9c1a10', 'data'), /^[a-z0-9-]+_data$/)
  })
})
