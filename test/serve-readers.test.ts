// `berth serve` with BERTH_HTTP_PROCESSES=3: a serving process and two readers, over real TCP
// connections. Each connection below is its own keep-alive socket (an Agent with one socket),
// accepted by one of the readers.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { connect } from 'node:net'
import { getPriority } from 'node:os'
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

  /** The pid of the process that answered a GET /projects just sent (its log line follows the answer). */
  async function answeredBy(call: () => Promise<Answer>): Promise<number> {
    const lines = () => logLines().filter((l) => l.msg === 'request completed' && l.req.url === '/api/v1/projects')
    const before = lines().length
    assert.equal((await call()).status, 200)
    for (let waited = 0; lines().length === before && waited < 2000; waited += 20) await sleep(20)
    return lines().at(-1).pid
  }

  it('answers reads in reader processes, and a write on any connection is seen by the next read on it', async () => {
    // The readers share the listening socket and the kernel deals the connections, unevenly at
    // rest: open them until both readers have answered one. The serving process accepts none.
    const connections: { each: ReturnType<typeof connection>; pid: number }[] = []
    const pids = () => new Set(connections.map((c) => c.pid))
    try {
      while (pids().size < 2 && connections.length < 40) {
        const each = connection(server.url, token)
        connections.push({ each, pid: await answeredBy(() => each.call('GET', '/projects')) })
      }
      assert.equal(pids().size, 2, `both readers answered (${connections.length} connections)`)
      assert.ok(!pids().has(server.child.pid!), 'the serving process answered none of them')
      for (const [i, { each }] of connections.entries()) {
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
      for (const { each } of connections) each.close()
    }
    const posts = () => logLines().filter((l) => l.msg === 'request completed' && l.req.method === 'POST')
    // Each line is written once its answer is sent: the last may still be on its way.
    for (let waited = 0; posts().length < connections.length && waited < 2000; waited += 20) await sleep(20)
    const writers = new Set(posts().map((l) => l.pid))
    assert.deepEqual(
      [...writers],
      [server.child.pid],
      `every write was answered by the serving process (${server.child.pid}): ${[...writers]}`,
    )

    const api = connection(server.url, token)
    const audit = (await api.call('GET', `/audit?action=project.created&take=${connections.length}`)).json()
    api.close()
    assert.equal(audit.items.length, connections.length)
    for (const row of audit.items)
      assert.equal(row.ip, '127.0.0.1', `${row.resource_name} records the client's own address`)
  })

  it('records the use of a token that only a reader saw (readers never write)', async () => {
    const api = connection(server.url, token)
    const created = (await api.call('POST', '/tokens', { name: 'reader', abilities: ['read'] })).json()
    const fresh = connection(server.url, created.token)
    assert.notEqual(await answeredBy(() => fresh.call('GET', '/projects')), server.child.pid, 'a reader answered')
    fresh.close()
    const seenByReader = created.id
    let lastUsed: string | null = null
    for (let waited = 0; !lastUsed && waited < 3000; waited += 100) {
      const tokens = (await api.call('GET', '/tokens')).json().tokens as { id: string; last_used_at: string | null }[]
      lastUsed = tokens.find((t) => t.id === seenByReader)?.last_used_at ?? null
      if (!lastUsed) await sleep(100)
    }
    api.close()
    assert.ok(lastUsed, 'its last use is recorded by the serving process')
  })

  it('passes event streams and WebSocket handshakes from the readers to the serving process', async () => {
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

  /** The reader processes: the server's children, from /proc (a docker command it runs is not a node process). */
  const readerPids = () =>
    readFileSync(`/proc/${server.child.pid}/task/${server.child.pid}/children`, 'utf8')
      .trim()
      .split(' ')
      .filter(Boolean)
      .map(Number)
      .filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('reader.process'))

  it('starts a reader again when one dies, and keeps answering meanwhile', async () => {
    const known = readerPids()
    assert.equal(known.length, 2)
    // Readers yield the CPU to the serving process (the one writer), which keeps its own priority.
    for (const pid of known) assert.equal(getPriority(pid), getPriority(server.child.pid!) + 5, `reader ${pid}'s nice`)
    process.kill(known[0]!, 'SIGKILL')
    for (let i = 0; i < 6; i++) {
      const each = connection(server.url, token)
      assert.equal((await each.call('GET', '/projects')).status, 200)
      each.close()
    }
    let restarted = false
    for (let waited = 0; !restarted && waited < 15_000; waited += 250) {
      await sleep(250)
      restarted = logLines().some(
        (l) => l.msg === 'a reader process stopped; starting another' && l.reader === known[0],
      )
    }
    assert.ok(restarted, 'the serving process says it lost a reader')
    let replaced = false
    for (let waited = 0; !replaced && waited < 15_000; waited += 250) {
      await sleep(250)
      const now = readerPids()
      replaced = now.length === 2 && now.some((pid) => !known.includes(pid))
    }
    assert.ok(replaced, 'a new reader runs in its place')
  })

  it('stops the readers with the serving process on SIGTERM', async () => {
    const live = readerPids()
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
