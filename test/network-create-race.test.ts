// Docker does not enforce unique network names: two deployments of one project creating its
// network at the same moment made two networks of one name, after which connecting anything to it
// by name failed ("network ... is ambiguous"). Seen in CI when five template services of one
// project deployed at once.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createDockerHost, ensureNetwork, LOCAL_DOCKER_HOST } from '../src/servers/docker-host.js'
import { docker, requireDocker } from './support/docker.js'

describe('creating a network from several deployments at once', () => {
  it('makes one network of the name, whoever asks first', async (t) => {
    if (!(await requireDocker(t))) return
    const host = createDockerHost({ id: 'local', docker_host: LOCAL_DOCKER_HOST }, null, '/nonexistent')
    const name = `berth-race-${process.pid}-${Date.now()}`
    try {
      const outcomes = await Promise.all(Array.from({ length: 6 }, () => ensureNetwork(host, name)))
      assert.deepEqual(outcomes.sort(), ['created', 'exists', 'exists', 'exists', 'exists', 'exists'])
      const { stdout } = await docker(['network', 'ls', '--quiet', '--filter', `name=^${name}$`])
      assert.equal(stdout.split('\n').filter(Boolean).length, 1, 'exactly one network of that name')
    } finally {
      const { stdout } = await docker(['network', 'ls', '--quiet', '--filter', `name=^${name}$`])
      for (const id of stdout.split('\n').filter(Boolean)) await docker(['network', 'rm', id])
    }
  })
})
