// The clients of bench/load.bench.ts, in a process of their own so that sending requests and
// parsing answers does not share an event loop with the bench's measuring (and Berth's CPU time is
// Berth's alone). Keep-alive connections through node:http (lighter than fetch per request).
// Usage: node --import tsx load-clients.ts <json: url, token, services, projects, clients, seconds, rate, rateSeconds, berthPid> <closed|open|per-kind>
// Prints one JSON line: per kind of request its count, p50, p99, max, errors and requests over 2 s,
// for the closed loop; the same for the open loop at a fixed offered rate of reads; or per kind
// alone, Berth's CPU time per request.
import { readFileSync } from 'node:fs'
import { berthPids } from './berth-processes.js'
import { Agent, request } from 'node:http'
import { benchCompose } from './seed-services.js'

type Setup = {
  url: string
  token: string
  services: { id: string; route: string }[]
  projects: string[]
  clients: number
  seconds: number
  rate: number
  rateSeconds: number
  berthPid: number
}
const setup = JSON.parse(process.argv[2]!) as Setup
const SLOW_MS = 2000
const base = new URL(setup.url)
const agent = new Agent({ keepAlive: true, maxSockets: setup.clients })

/** HTTP requests sent so far (a compose write is two: it reads the current version first). */
let requestsSent = 0

function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  requestsSent++
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path: `/api/v1${path}`,
        headers: {
          authorization: `Bearer ${setup.token}`,
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString()
          resolve({
            status: res.statusCode!,
            body: text && res.headers['content-type']?.includes('json') ? JSON.parse(text) : text,
          })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

type Kind = { name: string; write: boolean; send(): Promise<number> }
const pick = () => setup.services[Math.floor(Math.random() * setup.services.length)]!
let revision = 1
const kinds: Kind[] = [
  {
    name: 'read compose',
    write: false,
    send: async () => (await call('GET', `/services/${pick().id}/compose`)).status,
  },
  {
    name: 'read versions',
    write: false,
    send: async () => (await call('GET', `/services/${pick().id}/compose/versions`)).status,
  },
  {
    name: 'read deployments',
    write: false,
    send: async () => (await call('GET', '/deployments?scope=all&take=50')).status,
  },
  {
    name: 'read project',
    write: false,
    send: async () =>
      (await call('GET', `/projects/${setup.projects[Math.floor(Math.random() * setup.projects.length)]}`)).status,
  },
  {
    name: 'write compose',
    write: true,
    send: async () => {
      const service = pick()
      const current = await call('GET', `/services/${service.id}/compose`)
      const yaml = benchCompose(0, revision++)
      return (await call('PUT', `/services/${service.id}/compose`, { yaml, base_version: current.body.version })).status
    },
  },
  {
    name: 'write env',
    write: true,
    send: async () =>
      (await call('PUT', `/services/${pick().id}/env`, { LEVEL: { value: String(revision++) } })).status,
  },
  {
    name: 'write route',
    write: true,
    send: async () => (await call('PATCH', `/routes/${pick().route}`, { priority: 1 + (revision++ % 100) })).status,
  },
]

type Figures = { times: number[]; errors: number; slow: number }
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0
const summary = (f: Figures) => {
  const sorted = [...f.times].sort((a, b) => a - b)
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? 0,
    errors: f.errors,
    slow: f.slow,
  }
}

async function timed(kind: Kind, f: Figures) {
  const started = performance.now()
  const status = await kind.send().catch(() => undefined)
  const ms = performance.now() - started
  f.times.push(ms)
  if (ms > SLOW_MS) f.slow++
  // A stale compose base (409) is what concurrent writers to one service should get.
  if (status === undefined || (status >= 400 && !(kind.write && status === 409))) f.errors++
}

/** Closed loop: every client sends its next request when its last one was answered. Reads are 4 of 5 requests. */
async function closedLoop() {
  const mix = kinds.flatMap((k) => (k.write ? [k] : [k, k, k, k]))
  const figures = new Map(kinds.map((k) => [k.name, { times: [], errors: 0, slow: 0 } as Figures]))
  const deadline = performance.now() + setup.seconds * 1000
  const sentBefore = requestsSent
  const cpuBefore = berthCpuMs()
  await Promise.all(
    Array.from({ length: setup.clients }, async () => {
      while (performance.now() < deadline) {
        const kind = mix[Math.floor(Math.random() * mix.length)]!
        await timed(kind, figures.get(kind.name)!)
      }
    }),
  )
  return {
    kinds: kinds.map((k) => ({ name: k.name, write: k.write, ...summary(figures.get(k.name)!) })),
    // Within the loop only, per HTTP request sent (not per operation).
    berthCpuMs: berthCpuMs() - cpuBefore,
    requests: requestsSent - sentBefore,
  }
}

/** Open loop: every 10 ms the reads due by then, whether or not earlier ones were answered. */
async function openLoop() {
  const reads = kinds.filter((k) => !k.write)
  const figures: Figures = { times: [], errors: 0, slow: 0 }
  const inFlight: Promise<void>[] = []
  const started = performance.now()
  for (let tick = 0; tick < setup.rateSeconds * 100; tick++) {
    for (let i = 0; i < setup.rate / 100; i++)
      inFlight.push(timed(reads[Math.floor(Math.random() * reads.length)]!, figures))
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (tick + 1) * 10 - performance.now())))
  }
  await Promise.all(inFlight)
  return summary(figures)
}

/** Berth's user + system CPU time so far, in ms (clock ticks of 10 ms): the serving process and its readers. */
function berthCpuMs() {
  let ticks = 0
  for (const pid of berthPids(setup.berthPid)) {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    ticks += Number(fields[11]) + Number(fields[12])
  }
  return ticks * 10
}

/**
 * Each kind alone: PER_KIND operations from 50 clients after a third as many unmeasured, and
 * Berth's CPU time per HTTP request they sent (a compose write sends two), with the answers that
 * were errors. The machine's other tenants slow the wall clock far more than they change this figure.
 */
async function perKind() {
  const PER_KIND = 3000
  const figures: { name: string; cpuMsPerRequest: number; errors: number }[] = []
  const run = async (kind: Kind, count: number, f: Figures) => {
    let started = 0
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (started++ < count) await timed(kind, f)
      }),
    )
  }
  for (const kind of kinds) {
    const count = kind.write ? PER_KIND / 6 : PER_KIND
    // Unmeasured first: Berth's first requests of a kind run before the JIT has compiled its path.
    await run(kind, count / 3, { times: [], errors: 0, slow: 0 })
    const f: Figures = { times: [], errors: 0, slow: 0 }
    const sentBefore = requestsSent
    const before = berthCpuMs()
    await run(kind, count, f)
    figures.push({
      name: kind.name,
      cpuMsPerRequest: (berthCpuMs() - before) / (requestsSent - sentBefore),
      errors: f.errors,
    })
  }
  return figures
}

const mode = process.argv[3]
const result = mode === 'open' ? await openLoop() : mode === 'per-kind' ? await perKind() : await closedLoop()
process.stdout.write(`${JSON.stringify(result)}\n`)
agent.destroy()
