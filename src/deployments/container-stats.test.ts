import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { bytesOf, parseStatsLine } from './container-stats.js'

describe('docker stats lines', () => {
  it('reads a line with the escape codes docker stats writes around it', () => {
    const line =
      '\u001b[H{"BlockIO":"0B / 0B","CPUPerc":"12.50%","Container":"c","ID":"7712bfdef29d","MemPerc":"0.25%","MemUsage":"532KiB / 2GiB","Name":"berth-x-web-1","NetIO":"1.5kB / 648B","PIDs":"1"} \u001b[K'
    assert.deepEqual(parseStatsLine(line), {
      name: 'berth-x-web-1',
      cpu_percent: 12.5,
      memory_bytes: 532 * 1024,
      memory_limit_bytes: 2 * 1024 ** 3,
      memory_percent: 0.25,
      net_rx_bytes: 1500,
      net_tx_bytes: 648,
    })
  })

  it('skips the lines that only clear the screen, and reads "--" of a stopped container as 0', () => {
    assert.equal(parseStatsLine(' \u001b[K'), undefined)
    assert.equal(bytesOf('--'), 0)
  })
})
