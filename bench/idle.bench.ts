// Idle memory of Berth as `npm start` runs it (compiled, from dist/): the RSS of a `berth serve`
// that has just started on a data dir holding BENCH_SERVICES (1,000) services with a route each,
// beside the same on an empty data dir (the reference, in the same run). Medians of 5 samples a
// second apart, taken after BENCH_SETTLE_SECONDS (15) of idling. Run: npm run bench:idle.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { bearerApi, REPO_ROOT, startServer } from '../test/support/cli.js'
import { leftovers, prepareServerDataDir } from '../test/support/server-setup.js'
import { machineLoad } from './support/route-bench.js'
import { seedServices } from './support/seed-services.js'

const SERVICES = Number(process.env.BENCH_SERVICES ?? 1000)
const SETTLE_MS = Number(process.env.BENCH_SETTLE_SECONDS ?? 15) * 1000

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Starts the compiled server on `env`, lets it settle, and returns its median RSS in MiB. */
async function idleRss(env: Record<string, string>): Promise<number> {
  const server = await startServer(env, { compiled: true })
  try {
    await sleep(SETTLE_MS)
    const samples: number[] = []
    for (let i = 0; i < 5; i++) {
      samples.push(rssMiB(server.child.pid!))
      await sleep(1000)
    }
    return median(samples)
  } finally {
    await server.stop()
  }
}

const made = leftovers()
try {
  const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO_ROOT, stdio: 'inherit' })
  if (built.status !== 0) throw new Error('compiling the server (tsc -p tsconfig.json) failed')
  console.log(machineLoad())

  const empty = await prepareServerDataDir(made.dataDir('berth-bench-idle-empty-'), ['root'])
  const reference = await idleRss(empty.env)

  const full = await prepareServerDataDir(made.dataDir('berth-bench-idle-full-'), ['root'])
  const seeder = await startServer(full.env)
  const seeded = performance.now()
  await seedServices(bearerApi(seeder.url, full.token), SERVICES)
  await seeder.stop()
  console.log(`seeded ${SERVICES} services and routes in ${((performance.now() - seeded) / 1000).toFixed(1)} s`)
  const loaded = await idleRss(full.env)

  console.log(`idle RSS, empty data dir (reference):        ${reference.toFixed(0)} MiB`)
  console.log(`idle RSS, ${SERVICES} services and ${SERVICES} routes: ${loaded.toFixed(0)} MiB (target < 150 MiB)`)
} finally {
  await made.cleanUp()
}
