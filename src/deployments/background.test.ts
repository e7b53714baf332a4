import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { createEventBus, deploymentFinished } from '../events/event-bus.js'
import { createBackgroundJobs } from './background.js'

/**
 * The collaborators below are stand-ins: the subject is only when stop() returns relative to the
 * server refresh a deployment's end starts (the real refresh runs `docker info` over the server's
 * transport; test/deployments-ssh.test.ts runs it for real, and failed to remove its data dir while
 * a refresh outlived app.close()).
 */
describe('background jobs', () => {
  it('stops only once a server refresh started by a deployment end has finished, and starts none after', async () => {
    const events = createEventBus((error) => assert.fail(String(error)))
    let refreshes = 0
    let finishRefresh = (): void => assert.fail('no refresh started')
    const nothing = async () => undefined
    const jobs = createBackgroundJobs({
      db: {} as Kysely<DB>,
      audit: { record: nothing },
      logger: { info: nothing, error: (o: unknown) => assert.fail(JSON.stringify(o)) },
      servers: {
        refreshAll: async () => [],
        refreshOne: () => {
          refreshes++
          return new Promise((resolve) => {
            finishRefresh = () => resolve(undefined)
          })
        },
      },
      engineEvents: { watch: nothing, stop: nothing },
      workers: { start: nothing, stop: nothing },
      events,
      notifier: { start: nothing, stop: nothing },
      retention: { finishedDays: 1, failedDays: 1, keepPerResource: 1 },
      network: { knownProjects: () => [] },
      checkCertificates: nothing,
      pruneImages: async () => ({ removed: 0, refused: [] }),
    } as unknown as Parameters<typeof createBackgroundJobs>[0])
    await jobs.start()
    const facts = { id: 'd', team_id: 't', resource_id: 'r', resource_type: 'service' as const, server_id: 's' }
    events.publish(deploymentFinished(facts, 'finished'))
    assert.equal(refreshes, 1)

    let stopped = false
    const stopping = jobs.stop().then(() => (stopped = true))
    await new Promise((resolve) => setTimeout(resolve, 50))
    assert.equal(stopped, false, 'stop() returned while the refresh was still running')
    finishRefresh()
    await stopping
    assert.equal(stopped, true)

    events.publish(deploymentFinished(facts, 'finished'))
    assert.equal(refreshes, 1, 'a stopped Berth started a refresh')
  })
})
