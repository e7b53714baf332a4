import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { STABLE_AFTER_MS, displayName, judge, type ContainerState } from './health-gate.js'

const NOW = Date.parse('2026-11-28T12:00:00.000Z')

function container(state: Partial<ContainerState['State']>, extra: Partial<ContainerState> = {}): ContainerState {
  return {
    Id: 'abc',
    Name: '/berth-x-web-1',
    RestartCount: 0,
    State: {
      Status: 'running',
      Restarting: false,
      ExitCode: 0,
      StartedAt: new Date(NOW - 5000).toISOString(),
      ...state,
    },
    HostConfig: { RestartPolicy: { Name: 'unless-stopped' } },
    Config: { Labels: { 'com.docker.compose.service': 'web', 'com.docker.compose.container-number': '2' } },
    ...extra,
  }
}
const first = { restartCount: 0, seenAt: NOW }

describe('the health gate judges a container', () => {
  it('by its compose service and replica number', () => {
    assert.equal(displayName(container({})), 'web-2')
    assert.equal(displayName(container({}, { Config: { Labels: null } })), 'berth-x-web-1')
  })

  it('ready when its health check passes, waiting while it starts, failed when unhealthy with the output', () => {
    assert.deepEqual(judge(container({ Health: { Status: 'healthy' } }), first, NOW), { kind: 'ready' })
    assert.deepEqual(judge(container({ Health: { Status: 'starting' } }), first, NOW), {
      kind: 'waiting',
      state: 'health: starting',
    })
    const unhealthy = container({
      Health: { Status: 'unhealthy', Log: [{ ExitCode: 1, Output: 'connection refused\ncheck failed: 503\n' }] },
    })
    assert.deepEqual(judge(unhealthy, first, NOW), { kind: 'failed', reason: 'is unhealthy: check failed: 503' })
  })

  it('without a health check: ready only after running steadily for the stability window', () => {
    const fresh = container({ StartedAt: new Date(NOW - STABLE_AFTER_MS + 100).toISOString() })
    assert.deepEqual(judge(fresh, first, NOW), { kind: 'waiting', state: 'running' })
    assert.deepEqual(judge(fresh, first, NOW + 100), { kind: 'ready' })
    // A start time ahead of Berth's clock (a remote engine's skew) counts from when the gate first saw it.
    const skewed = container({ StartedAt: new Date(NOW + 60_000).toISOString() })
    assert.equal(judge(skewed, first, NOW + STABLE_AFTER_MS - 1).kind, 'waiting')
    assert.equal(judge(skewed, first, NOW + STABLE_AFTER_MS).kind, 'ready')
  })

  it('failed when it restarts, restarted since the gate first looked, or exited', () => {
    assert.deepEqual(judge(container({ Restarting: true, ExitCode: 127 }), first, NOW), {
      kind: 'failed',
      reason: 'is restarting (last exit code 127)',
    })
    assert.deepEqual(judge(container({ ExitCode: 1 }, { RestartCount: 3 }), { restartCount: 1, seenAt: NOW }, NOW), {
      kind: 'failed',
      reason: 'restarted 2 times (last exit code 1)',
    })
    assert.deepEqual(judge(container({ Status: 'exited', ExitCode: 2 }), first, NOW), {
      kind: 'failed',
      reason: 'exited with code 2',
    })
  })

  it('a one-shot job that exited 0 without a restart policy is done; one meant to keep running is not', () => {
    const job = container({ Status: 'exited', ExitCode: 0 }, { HostConfig: { RestartPolicy: { Name: 'no' } } })
    assert.deepEqual(judge(job, first, NOW), { kind: 'ready' })
    const service = container({ Status: 'exited', ExitCode: 0 }, { HostConfig: { RestartPolicy: { Name: 'always' } } })
    assert.deepEqual(judge(service, first, NOW), { kind: 'failed', reason: 'exited with code 0' })
  })
})
