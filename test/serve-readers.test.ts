// `berth serve` with BERTH_HTTP_PROCESSES=3: a serving process and two readers, over real TCP
// connections. Each connection below is its own keep-alive socket (an Agent with one socket), so
// the round-robin over the three processes decides which one answers it.
import assert from 'node:assert/strict'
import { Agent, request } from 'node:http'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { berthAsync, startServer } from './support/cli.js'
import { leftovers, prepareServerDataDir } from './support/server-setup.js'

type Answer = { status: number; body: string; json: () => any }

/** One TCP connection, kept open across its calls. */
function connection(base: string, token: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const url = new URL(base)
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body)
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path: `/api/v1${path}`,
          headers: {
            authorization: `Bearer ${token}`,
            ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
        },
        (res) => {
          let text = ''
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString()
          })
          res.on('end', () => resolve({ status: res.statusCode!, body: text, json: () => JSON.parse(text) }))
        },
      )
      req.on('error', reject)
      req.end(payload)
    })
  return { call, close: () => agent.destroy() }
}

/** The first line of the answer to a WebSocket handshake sent on a fresh connection. */
async function handshakeStatus(base: string, path: string): Promise<string> {
  const url = new URL(base)
  const socket = connect(Number(url.port), url.hostname)
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  )
  const first = await new Promise<string>((resolve, reject) => {
    socket.once('data', (data: Buffer) => resolve(data.toString().split('\r\n')[0]!))
    socket.once('error', reject)
  })
  socket.destroy()
  return first
}

/** The first event of an event stream read on a fresh connection, then the stream is closed. */
async function firstEvent(base: string, token: string): Promise<string> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent: false,
        host: url.hostname,
        port: url.port,
        path: '/api/v1/events',
        headers: { authorization: `Bearer ${token}` },
      },
      (res) => {
        res.once('data', (chunk: Buffer) => {
          resolve(chunk.toString().split('\n')[0]!)
          req.destroy()
        })
      },
    )
    req.on('error', reject)
    req.end()
  })
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('berth serve with reader processes (BERTH_HTTP_PROCESSES=3)', () => {
  const made = leftovers()
  let server: Awaited<ReturnType<typeof startServer>>
  let token: string
  let out = ''
  const logLines = () =>
    out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))

  before(async () => {
    const prepared = await prepareServerDataDir(made.dataDir('berth-readers-'), ['root'])
    token = prepared.token
    // Debug shows the successful reads too, each with the pid of the process that answered it.
    server = await startServer({ ...prepared.env, LOG_LEVEL: 'debug', BERTH_HTTP_PROCESSES: '3' })
    server.child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
  })
  after(async () => {
    await server.stop()
    await made.cleanUp()
  })

  it('answers reads in every process, and a write on any connection is seen by the next read on it', async () => {
    const connections = Array.from({ length: 6 }, () => connection(server.url, token))
    try {
      for (const [i, each] of connections.entries()) {
        // The client claims another address: only the address it connects from may be recorded.
        const created = await each.call(
          'POST',
          '/projects',
          { name: `through-${i}` },
          { 'x-forwarded-for': '203.0.113.9' },
        )
        assert.equal(created.status, 201, created.body)
        const listed = await each.call('GET', '/projects')
        assert.equal(listed.status, 200)
        assert.ok(
          listed.json().projects.some((p: { name: string }) => p.name === `through-${i}`),
          `connection ${i} reads the project it has just created`,
        )
      }
    } finally {
      for (const each of connections) each.close()
    }
    const readers = new Set(
      logLines()
        .filter((l) => l.msg === 'request completed' && l.req.method === 'GET' && l.req.url === '/api/v1/projects')
        .map((l) => l.pid),
    )
    assert.equal(readers.size, 3, 'the six connections were answered by the serving process and both readers')
    assert.ok(readers.has(server.child.pid), 'the serving process answers its share')
    const writers = new Set(
      logLines()
        .filter((l) => l.msg === 'request completed' && l.req.method === 'POST')
        .map((l) => l.pid),
    )
    assert.deepEqual([...writers], [server.child.pid], 'every write was answered by the serving process')

    const api = connection(server.url, token)
    const audit = (await api.call('GET', '/audit?action=project.created&take=6')).json()
    api.close()
    assert.equal(audit.items.length, 6)
    for (const row of audit.items)
      assert.equal(row.ip, '127.0.0.1', `${row.resource_name} records the client's own address`)
  })

  it('records the use of a token that only a reader saw (readers never write)', async () => {
    const api = connection(server.url, token)
    const completed = () => logLines().filter((l) => l.msg === 'request completed' && l.req.url === '/api/v1/projects')
    let seenByReader: string | undefined
    for (let attempt = 0; !seenByReader && attempt < 3; attempt++) {
      const created = (await api.call('POST', '/tokens', { name: `reader-${attempt}`, abilities: ['read'] })).json()
      const before = completed().length
      const fresh = connection(server.url, created.token)
      assert.equal((await fresh.call('GET', '/projects')).status, 200)
      fresh.close()
      // The log line is written once the answer is sent: wait for it to know which process answered.
      for (let waited = 0; completed().length === before && waited < 2000; waited += 50) await sleep(50)
      if (completed().at(-1).pid !== server.child.pid) seenByReader = created.id
    }
    assert.ok(seenByReader, 'one of three fresh connections was answered by a reader')
    let lastUsed: string | null = null
    for (let waited = 0; !lastUsed && waited < 3000; waited += 100) {
      const tokens = (await api.call('GET', '/tokens')).json().tokens as { id: string; last_used_at: string | null }[]
      lastUsed = tokens.find((t) => t.id === seenByReader)?.last_used_at ?? null
      if (!lastUsed) await sleep(100)
    }
    api.close()
    assert.ok(lastUsed, 'its last use is recorded by the serving process')
  })

  it('passes event streams and WebSocket handshakes to the serving process, from every process', async () => {
    for (let i = 0; i < 3; i++) assert.equal(await firstEvent(server.url, token), 'event: ready')
    for (let i = 0; i < 3; i++)
      assert.equal(
        await handshakeStatus(server.url, '/api/v1/services/00000000-0000-4000-8000-000000000000/terminal'),
        'HTTP/1.1 401 Unauthorized',
        'the terminal handshake reached the serving process, which asks for credentials',
      )
  })

  it("counts the readers' requests in the serving process's /metrics", async () => {
    const count = async () => {
      const metrics = await (await fetch(`${server.url}/metrics`)).text()
      const line = metrics
        .split('\n')
        .find((l) =>
          l.startsWith('berth_http_request_duration_seconds_count{method="GET",route="/api/v1/projects/:uuid"'),
        )
      return Number(line?.split(' ')[1] ?? 0)
    }
    const before = await count()
    for (let i = 0; i < 6; i++) {
      const each = connection(server.url, token)
      assert.equal((await each.call('GET', '/projects/00000000-0000-4000-8000-000000000001')).status, 404)
      each.close()
    }
    // Readers send their counts once a second.
    let counted = await count()
    for (let waited = 0; counted < before + 6 && waited < 5000; waited += 250) {
      await sleep(250)
      counted = await count()
    }
    assert.equal(counted, before + 6)
  })

  it('starts a reader again when one dies, and keeps answering meanwhile', async () => {
    const readerPids = () =>
      new Set(
        logLines()
          .filter((l) => l.pid !== server.child.pid && l.msg === 'request completed')
          .map((l) => l.pid as number),
      )
    const known = readerPids()
    const killed = [...known][0]!
    process.kill(killed, 'SIGKILL')
    for (let i = 0; i < 6; i++) {
      const each = connection(server.url, token)
      assert.equal((await each.call('GET', '/projects')).status, 200)
      each.close()
    }
    let restarted = false
    for (let waited = 0; !restarted && waited < 15_000; waited += 250) {
      await sleep(250)
      restarted = logLines().some((l) => l.msg === 'a reader process stopped; starting another' && l.reader === killed)
    }
    assert.ok(restarted, 'the serving process says it lost a reader')
    let answeredByNew = false
    for (let attempt = 0; !answeredByNew && attempt < 40; attempt++) {
      const each = connection(server.url, token)
      assert.equal((await each.call('GET', '/projects')).status, 200)
      each.close()
      answeredByNew = [...readerPids()].some((pid) => !known.has(pid))
      if (!answeredByNew) await sleep(250)
    }
    assert.ok(answeredByNew, 'a new reader answers connections')
  })

  it('stops the readers with the serving process on SIGTERM', async () => {
    const readers = [...new Set(logLines().map((l) => l.pid as number))].filter((pid) => pid !== server.child.pid)
    const live = readers.filter(alive)
    assert.equal(live.length, 2, 'two readers run')
    await server.stop()
    assert.equal(server.child.exitCode, 0)
    assert.deepEqual(live.filter(alive), [], 'no reader outlives the server')
  })

  it('refuses a count of processes that is not a whole number from 1 to 16', async () => {
    const refused = await berthAsync(['serve'], {
      BERTH_HTTP_PROCESSES: '0',
      BERTH_DATA_DIR: made.dataDir('berth-readers-bad-'),
    })
    assert.notEqual(refused.status, 0)
    assert.match(refused.stderr, /BERTH_HTTP_PROCESSES must be at least 1/)
  })
})
