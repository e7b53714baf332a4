// What `berth serve` logs per request at the default info level, read from its real stdout: one
// line for a write and for a failure, nothing for a read that succeeded (reads are the bulk of the
// traffic, and each line is serialised and written on the event loop).
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { bearerApi, startServer } from './support/cli.js'
import { leftovers, prepareServerDataDir } from './support/server-setup.js'

describe('the request log of berth serve', () => {
  const made = leftovers()
  after(() => made.cleanUp())

  it('writes one line per write or failure and none for a successful read', async () => {
    const { env, token } = await prepareServerDataDir(made.dataDir('berth-request-log-'), ['root'])
    const server = await startServer({ ...env, LOG_LEVEL: 'info' })
    let out = ''
    server.child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    try {
      const api = bearerApi(server.url, token)
      assert.equal((await api('GET', '/projects')).status, 200)
      const created = await api('POST', '/projects', { name: 'logged' })
      assert.equal(created.status, 201)
      assert.equal((await api('GET', '/projects/00000000-0000-4000-8000-000000000000')).status, 404)
    } finally {
      await server.stop()
    }
    const requests = out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .filter((line) => line.req || line.msg === 'incoming request')
    assert.deepEqual(
      requests.map((line) => [line.msg, line.req.method, line.req.url, line.res.statusCode]),
      [
        ['request completed', 'POST', '/api/v1/projects', 201],
        ['request completed', 'GET', '/api/v1/projects/00000000-0000-4000-8000-000000000000', 404],
      ],
    )
    assert.ok(
      requests.every((line) => typeof line.responseTime === 'number'),
      'each line says how long it took',
    )
  })
})
