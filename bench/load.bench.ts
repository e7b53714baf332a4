// Berth under load: a compiled `berth serve` (as `npm start` runs it) on SQLite holding 1,000
// services and 1,000 routes (10 projects), then BENCH_CLIENTS (200) concurrent clients for
// BENCH_SECONDS (60) mixing reads (current compose, version lists, deployment history pages,
// project pages) and writes (compose updates, env changes, route changes). Prints per kind:
// requests/s, p50, p99, max, errors (any failure but the expected 409 of a stale compose base),
// requests over 2 s; Berth's CPU time per request (the figure the machine's other tenants disturb
// least), each kind alone first, and its RSS idle and after; then reads at a fixed offered rate of BENCH_RATE (1,000)/s,
// open loop, for BENCH_RATE_SECONDS (20). The clients run in a process of their own
// (support/load-clients.ts); they share the machine (2 cores) with Berth. BERTH_HTTP_PROCESSES=N
// runs Berth with N-1 reader processes; its CPU and RSS are then those of all of them.
// Run: npm run bench:load. BENCH_PROFILE=<dir> writes a CPU profile of Berth there when it stops.
import { spawn, spawnSync } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { bearerApi, REPO_ROOT, startServer } from '../test/support/cli.js'
import { leftovers, prepareServerDataDir } from '../test/support/server-setup.js'
import { berthRssMiB } from './support/berth-processes.js'
import { machineLoad } from './support/route-bench.js'
import { seedServices } from './support/seed-services.js'

const SERVICES = Number(process.env.BENCH_SERVICES ?? 1000)
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 200)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60)
const RATE = Number(process.env.BENCH_RATE ?? 1000)
const RATE_SECONDS = Number(process.env.BENCH_RATE_SECONDS ?? 20)

type Summary = { count: number; p50: number; p99: number; max: number; errors: number; slow: number }

const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO_ROOT, stdio: 'inherit' })
if (built.status !== 0) throw new Error('compiling the server (tsc -p tsconfig.json) failed')

const made = leftovers()
const { env, token } = await prepareServerDataDir(made.dataDir('berth-bench-load-'), ['root'])
const nodeArgs = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []
// BERTH_HTTP_PROCESSES (default 1) as Berth reads it: more adds reader processes beside the serving one.
const processes = process.env.BERTH_HTTP_PROCESSES ?? '1'
const server = await startServer(
  { ...env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', BERTH_HTTP_PROCESSES: processes },
  { compiled: true, nodeArgs },
)
// Berth's log goes to its stdout; read and drop it as a log collector would (an unread pipe fills
// and then stalls Berth's writes: the first version of this bench measured that).
// BENCH_LOG=<file> keeps it there instead.
if (process.env.BENCH_LOG) server.child.stdout!.pipe(createWriteStream(process.env.BENCH_LOG))
else server.child.stdout!.resume()
const api = bearerApi(server.url, token)
const pid = server.child.pid!
const rssMiB = () => berthRssMiB(pid)

/** Runs the clients' process in `mode` and returns what it printed. */
function clients<T>(
  mode: 'closed' | 'open' | 'per-kind',
  seeded: { projects: string[]; services: unknown[] },
): Promise<T> {
  const setup = {
    url: server.url,
    token,
    ...seeded,
    clients: CLIENTS,
    seconds: SECONDS,
    rate: RATE,
    rateSeconds: RATE_SECONDS,
    berthPid: pid,
  }
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./support/load-clients.ts', import.meta.url)),
      JSON.stringify(setup),
      mode,
    ],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let out = ''
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`load clients exited with ${code}`)),
    ),
  )
}

const ms = (n: number) => `${n.toFixed(0)} ms`
try {
  console.log(`${machineLoad()}; Berth answers HTTP in ${processes} process(es) (BERTH_HTTP_PROCESSES)`)
  const seedStarted = performance.now()
  const seeded = await seedServices(api, SERVICES)
  console.log(`seeded ${SERVICES} services and routes in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`)
  await new Promise((resolve) => setTimeout(resolve, 10_000))
  const idleRss = rssMiB()
  console.log(
    `idle RSS (all Berth processes) after seeding ${SERVICES} services and ${SERVICES} routes: ${idleRss} MiB`,
  )

  const perKind = await clients<{ name: string; cpuMsPerRequest: number; errors: number }[]>('per-kind', seeded)
  console.log(
    '\nBerth CPU per HTTP request, each kind alone (3,000 reads or 500 writes from 50 clients, after a third as many unmeasured; a compose write is a GET and a PUT):',
  )
  for (const kind of perKind)
    console.log(`  ${kind.name.padEnd(17)} ${(kind.cpuMsPerRequest * 1000).toFixed(0)} µs  errors ${kind.errors}`)

  const rssBefore = rssMiB()
  const closed = await clients<{
    kinds: (Summary & { name: string; write: boolean })[]
    berthCpuMs: number
    requests: number
  }>('closed', seeded)
  const rssAfter = rssMiB()
  console.log(`\n${CLIENTS} clients for ${SECONDS} s (${machineLoad()}):`)
  let reads = 0
  for (const kind of closed.kinds) {
    if (!kind.write) reads += kind.count
    console.log(
      `  ${kind.name.padEnd(17)} ${(kind.count / SECONDS).toFixed(0).padStart(6)}/s  p50 ${ms(kind.p50)}  p99 ${ms(kind.p99)}  max ${ms(kind.max)}  errors ${kind.errors}  over 2 s ${kind.slow}`,
    )
  }
  console.log(
    `  reads in all: ${(reads / SECONDS).toFixed(0)}/s (target >= 4,000/s, p99 < 100 ms; writes p99 < 200 ms)`,
  )
  console.log(
    `  Berth CPU: ${((closed.berthCpuMs / closed.requests) * 1000).toFixed(0)} µs per HTTP request (${closed.requests} requests, ${(closed.berthCpuMs / 1000).toFixed(1)} CPU-s in the ${SECONDS} s)`,
  )
  console.log(`  RSS ${rssBefore} MiB before the clients, ${rssAfter} MiB after (growth target < 50 MiB)`)

  const open = await clients<Summary>('open', seeded)
  console.log(
    `\nreads offered at ${RATE}/s for ${RATE_SECONDS} s: p50 ${ms(open.p50)}  p99 ${ms(open.p99)}  max ${ms(open.max)}  errors ${open.errors} (target p99 < 20 ms)`,
  )
} finally {
  await server.stop()
  await made.cleanUp()
}
