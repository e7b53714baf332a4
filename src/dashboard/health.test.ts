import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ContainerSummary } from '../deployments/resource-runtime.js'
import { byUrgency, healthOf } from './health.js'

const c = (state: string, status: string): ContainerSummary => ({ id: 'x', name: 'n', service: 's', state, status })

describe('healthOf', () => {
  it('tells never deployed from stopped, and an engine that did not answer from both', () => {
    assert.equal(healthOf([], false), 'never deployed')
    assert.equal(healthOf([], true), 'stopped')
    assert.equal(healthOf(undefined, true), 'unknown')
    assert.equal(healthOf([c('exited', 'Exited (137) 5 seconds ago')], true), 'stopped')
  })

  it('calls a restarting container crash-looping even beside a running one', () => {
    assert.equal(
      healthOf([c('running', 'Up 2 minutes'), c('restarting', 'Restarting (1) 3 seconds ago')], true),
      'crash-looping',
    )
  })

  it('is unhealthy when a health check fails or only part runs; a one-shot that exited 0 does not count', () => {
    assert.equal(healthOf([c('running', 'Up 1 minute (unhealthy)')], true), 'unhealthy')
    assert.equal(healthOf([c('running', 'Up 1 minute'), c('exited', 'Exited (1) 1 minute ago')], true), 'unhealthy')
    assert.equal(
      healthOf([c('running', 'Up 1 minute (healthy)'), c('exited', 'Exited (0) 1 minute ago')], true),
      'healthy',
    )
  })
})

describe('byUrgency', () => {
  it('puts critical items first and keeps the order found otherwise', () => {
    const t = { type: 'service' as const, uuid: 'u' }
    const sorted = byUrgency([
      { severity: 'warning', message: 'w1', target: t },
      { severity: 'critical', message: 'c1', target: t },
      { severity: 'warning', message: 'w2', target: t },
      { severity: 'critical', message: 'c2', target: t },
    ])
    assert.deepEqual(
      sorted.map((s) => s.message),
      ['c1', 'c2', 'w1', 'w2'],
    )
  })
})
