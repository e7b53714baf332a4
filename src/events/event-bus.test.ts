import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createEventBus, type BerthEvent } from './event-bus.js'

describe('event bus', () => {
  it('delivers events to listeners of their type only', () => {
    const bus = createEventBus(() => assert.fail('no error expected'))
    const seen: BerthEvent[] = []
    bus.on('compose.changed', (e) => void seen.push(e))
    bus.publish({ type: 'service.deleted', teamId: 't', serviceId: 's' })
    bus.publish({ type: 'compose.changed', teamId: 't', serviceId: 's', version: 2 })
    assert.deepEqual(seen, [{ type: 'compose.changed', teamId: 't', serviceId: 's', version: 2 }])
  })

  it('reports a failing listener instead of throwing into the publisher', async () => {
    const errors: unknown[] = []
    const bus = createEventBus((error) => errors.push(error))
    bus.on('service.deleted', () => {
      throw new Error('sync broke')
    })
    bus.on('service.deleted', async () => {
      throw new Error('async broke')
    })
    bus.publish({ type: 'service.deleted', teamId: 't', serviceId: 's' })
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(
      errors.map((e) => (e as Error).message),
      ['sync broke', 'async broke'],
    )
  })
})
