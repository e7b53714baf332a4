// Berth under load: a `berth serve` child process on SQLite holding 1,000 services and 1,000
// routes (10 projects), then 200 concurrent clients for BENCH_SECONDS (60) mixing reads (current
// compose, version lists, deployment history pages, project pages) and writes (compose updates,
// env changes, route changes). Prints per kind: requests/s, p50, p99, max, errors (any failure but
// the expected 409 of a stale compose base), requests over 2 s; Berth's RSS idle and after; then a
// fixed offered rate of BENCH_RATE (1,000) requests/s of reads, open loop, for BENCH_RATE_SECONDS.
// Run: npm run bench:load. The load generator shares the machine (2 cores) with Berth.
import { readFileSync } from 'node:fs'
import { bearerApi, startServer } from '../test/support/cli.js'
import { leftovers, prepareServerDataDir } from '../test/support/server-setup.js'
import { benchCompose, seedServices } from './support/seed-services.js'

const SERVICES = Number(process.env.BENCH_SERVICES ?? 1000)
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 200)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60)
const RATE = Number(process.env.BENCH_RATE ?? 1000)
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 20)
const SLOW_MS = 2000

const made = leftovers()
const { env, token } = await prepareServerDataDir(made.dataDir('berth-bench-load-'), ['root'])
const server = await startServer({ ...env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' })
const api = bearerApi(server.url, token)
const rssMiB = () => {
  const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8')
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024)
}

try {
  // --- Seed: 10 projects, 1,000 services, each with a domain and a route ------------------
  const seedStarted = performance.now()
  const { projects, services } = await seedServices(api, SERVICES)
  console.log(`seeded ${SERVICES} services and routes in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`)
  await new Promise((resolve) => setTimeout(resolve, 10_000))
  const idleRss = rssMiB()
  console.log(`idle RSS with ${SERVICES} services and ${SERVICES} routes: ${idleRss} MiB (target < 150 MiB)`)

  // --- Closed loop: CLIENTS clients, each sending its next request when the last one answered -
  type Kind = { name: string; write: boolean; send(): Promise<number> }
  const pick = () => services[Math.floor(Math.random() * services.length)]!
  let revision = 1
  const kinds: Kind[] = [
    {
      name: 'read compose',
      write: false,
      send: async () => (await api('GET', `/services/${pick().id}/compose`)).status,
    },
    {
      name: 'read versions',
      write: false,
      send: async () => (await api('GET', `/services/${pick().id}/compose/versions`)).status,
    },
    {
      name: 'read deployments',
      write: false,
      send: async () => (await api('GET', `/deployments?limit=50`)).status,
    },
    {
      name: 'read project',
      write: false,
      send: async () => (await api('GET', `/projects/${projects[Math.floor(Math.random() * projects.length)]}`)).status,
    },
    {
      name: 'write compose',
      write: true,
      send: async () => {
        const s = pick()
        const current = await api('GET', `/services/${s.id}/compose`)
        return (
          await api('PUT', `/services/${s.id}/compose`, {
            yaml: benchCompose(0, revision++),
            base_version: current.body.version,
          })
        ).status
      },
    },
    {
      name: 'write env',
      write: true,
      send: async () =>
        (await api('PUT', `/services/${pick().id}/env`, { LEVEL: { value: String(revision++) } })).status,
    },
    {
      name: 'write route',
      write: true,
      send: async () => (await api('PATCH', `/routes/${pick().route}`, { priority: 1 + (revision++ % 100) })).status,
    },
  ]
  // Reads are what most requests are: 4 read kinds x 4 for each write kind.
  const mix = kinds.flatMap((k) => (k.write ? [k] : [k, k, k, k]))
  type Figures = { times: number[]; errors: number; slow: number }
  const figures = new Map<string, Figures>(kinds.map((k) => [k.name, { times: [], errors: 0, slow: 0 }]))
  const record = (kind: Kind, ms: number, status: number | undefined) => {
    const f = figures.get(kind.name)!
    f.times.push(ms)
    if (ms > SLOW_MS) f.slow++
    const expected = status !== undefined && (status < 400 || (kind.write && status === 409))
    if (!expected) f.errors++
  }
  const send = async (kind: Kind) => {
    const started = performance.now()
    const status = await kind.send().catch(() => undefined)
    record(kind, performance.now() - started, status)
  }
  const deadline = performance.now() + SECONDS * 1000
  const rssBefore = rssMiB()
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < deadline) await send(mix[Math.floor(Math.random() * mix.length)]!)
    }),
  )
  const rssAfter = rssMiB()
  const quantile = (sorted: number[], q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0
  const ms = (n: number) => `${n.toFixed(0)} ms`
  console.log(`\n${CLIENTS} clients for ${SECONDS} s (load ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}):`)
  let reads = 0
  for (const kind of kinds) {
    const f = figures.get(kind.name)!
    const sorted = [...f.times].sort((a, b) => a - b)
    if (!kind.write) reads += sorted.length
    console.log(
      `  ${kind.name.padEnd(17)} ${(sorted.length / SECONDS).toFixed(0).padStart(6)}/s  p50 ${ms(quantile(sorted, 0.5))}  p99 ${ms(quantile(sorted, 0.99))}  max ${ms(sorted.at(-1) ?? 0)}  errors ${f.errors}  over 2 s ${f.slow}`,
    )
  }
  console.log(
    `  reads in all: ${(reads / SECONDS).toFixed(0)}/s (target >= 4,000/s, p99 < 100 ms; writes p99 < 200 ms)`,
  )
  console.log(`  RSS ${rssBefore} MiB before, ${rssAfter} MiB after (growth target < 50 MiB)`)

  // --- Open loop: a fixed offered rate of reads ---------------------------------------------
  const readKinds = kinds.filter((k) => !k.write)
  const rateTimes: number[] = []
  let rateErrors = 0
  const inFlight: Promise<void>[] = []
  const rateStarted = performance.now()
  for (let tick = 0; tick < RATE_SECONDS * 100; tick++) {
    // Every 10 ms, the requests due by then, whether or not earlier ones answered.
    for (let i = 0; i < RATE / 100; i++) {
      const kind = readKinds[Math.floor(Math.random() * readKinds.length)]!
      const started = performance.now()
      inFlight.push(
        kind.send().then(
          (status) => {
            rateTimes.push(performance.now() - started)
            if (status >= 400) rateErrors++
          },
          () => {
            rateErrors++
          },
        ),
      )
    }
    const next = rateStarted + (tick + 1) * 10
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())))
  }
  await Promise.all(inFlight)
  const sortedRate = rateTimes.sort((a, b) => a - b)
  console.log(
    `\nreads offered at ${RATE}/s for ${RATE_SECONDS} s: p50 ${ms(quantile(sortedRate, 0.5))}  p99 ${ms(quantile(sortedRate, 0.99))}  max ${ms(sortedRate.at(-1) ?? 0)}  errors ${rateErrors} (target p99 < 20 ms)`,
  )
} finally {
  await server.stop()
  await made.cleanUp()
}
