import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { describe, it } from 'node:test'
import { killLeftover } from './deployment-worker.js'

describe('leftover compose processes', () => {
  it('kills the process group only when the pid still runs compose for that resource', async () => {
    const resourceId = '3f1e2d3c-0000-4000-8000-000000000001'
    const child = spawn('sh', ['-c', 'sleep 30', 'compose', resourceId], { detached: true, stdio: 'ignore' })
    const closed = new Promise((r) => child.once('close', r))
    assert.equal(killLeftover(child.pid, 'another-resource'), false, 'a pid that runs something else is left alone')
    assert.equal(killLeftover(child.pid, resourceId), true)
    await closed
    assert.equal(child.signalCode, 'SIGKILL')
    assert.equal(killLeftover(999_999_999, resourceId), false)
    assert.equal(killLeftover(null, resourceId), false)
  })
})
