// Route changes going live through a real Caddy: the time from a committed route change (API
// service call returned) until Caddy answers from the new target. Needs the `caddy` binary; Caddy
// runs on the host with only its admin API, Berth loads the rest, and the targets are two local
// HTTP servers. Run: npm run bench:caddy. Prints p50 / p99 / max over many changes (target: live
// within 1 s) and the machine load.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  BENCH_HOST,
  CHANGES,
  createBenchRoute,
  get,
  listen,
  machineLoad,
  p50p99,
  startBenchBerth,
  twoTargets,
  until,
} from './support/route-bench.js'

async function freePort(): Promise<number> {
  const server = createServer()
  const port = await listen(server)
  await new Promise((resolve) => server.close(resolve))
  return port
}

const dir = mkdtempSync(join(tmpdir(), 'berth-caddy-bench-'))
const targets = twoTargets()
const [adminPort, httpPort] = [await freePort(), await freePort()]
writeFileSync(join(dir, 'boot.json'), JSON.stringify({ admin: { listen: `127.0.0.1:${adminPort}` } }))
const caddy = spawn('caddy', ['run', '--config', join(dir, 'boot.json')], {
  env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
  stdio: 'ignore',
})
const berth = await startBenchBerth(dir)
const { app, teamId, actor } = berth
try {
  const ports = await Promise.all(targets.map((t) => listen(t)))
  await until(async () => (await fetch(`http://127.0.0.1:${adminPort}/config/`)).ok)
  await app.settings.update(
    {
      proxy: 'caddy',
      caddy_admin_url: `http://127.0.0.1:${adminPort}`,
      caddy_http_listen: `127.0.0.1:${httpPort}`,
      http_to_https_redirect: false,
    },
    actor,
  )
  app.proxySync.start(app.events)
  const { routeId } = await createBenchRoute(berth, `http://127.0.0.1:${ports[0]}`)
  const firstMs = await until(async () => (await get('127.0.0.1', httpPort, BENCH_HOST)) === 'a')

  const liveMs: number[] = []
  for (let i = 1; i <= CHANGES; i++) {
    const next = i % 2
    await app.routes.update(teamId, routeId, { target: { url: `http://127.0.0.1:${ports[next]}` } }, actor)
    liveMs.push(await until(async () => (await get('127.0.0.1', httpPort, BENCH_HOST)) === ['a', 'b'][next]))
  }
  console.log(machineLoad())
  console.log(`first route live through Caddy after ${firstMs.toFixed(0)} ms`)
  console.log(
    `committed route change -> live through Caddy: ${p50p99(liveMs)}, max ${Math.max(...liveMs).toFixed(1)} ms (target: within 1,000 ms; ${CHANGES} changes)`,
  )
} finally {
  await app.close()
  caddy.kill('SIGTERM')
  for (const t of targets) t.close()
  rmSync(dir, { recursive: true, force: true })
}
