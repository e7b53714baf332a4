// Route changes going live through a real Caddy: the time from a committed route change (API
// service call returned) until Caddy answers from the new target. Needs the `caddy` binary; Caddy
// runs on the host with only its admin API, Berth loads the rest, and the targets are two local
// HTTP servers. Run: npm run bench:caddy. Prints p50 / p99 / max over many changes (target: live
// within 1 s) and the machine load.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../src/app.js'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { loadConfig } from '../src/config.js'

const CHANGES = Number(process.env.BENCH_CHANGES ?? 100)
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  )
}

async function freePort(): Promise<number> {
  const server = createServer()
  const port = await listen(server)
  await new Promise((resolve) => server.close(resolve))
  return port
}

function get(port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host }, timeout: 2000 }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve(body))
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
    req.end()
  })
}

/** Milliseconds until `check` holds, polling every 2 ms; throws after 30 s. */
async function until(check: () => Promise<boolean>): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < 30_000) {
    if (await check().catch(() => false)) return performance.now() - started
    await new Promise((r) => setTimeout(r, 2))
  }
  throw new Error('not live after 30 s')
}

const dir = mkdtempSync(join(tmpdir(), 'berth-caddy-bench-'))
const targets = ['a', 'b'].map((name) => createServer((_req, res) => res.end(name)))
const [adminPort, httpPort] = [await freePort(), await freePort()]
writeFileSync(join(dir, 'boot.json'), JSON.stringify({ admin: { listen: `127.0.0.1:${adminPort}` } }))
const caddy = spawn('caddy', ['run', '--config', join(dir, 'boot.json')], {
  env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
  stdio: 'ignore',
})
const app = await buildApp({
  config: loadConfig({ BERTH_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent', BERTH_PROXY_RECONCILE_SECONDS: '3600' }),
})
try {
  const ports = await Promise.all(targets.map(listen))
  await until(async () => (await fetch(`http://127.0.0.1:${adminPort}/config/`)).ok)
  const user = await app.users.create(
    { email: 'bench@example.com', password: 'bench-password', admin: true },
    SYSTEM_ACTOR,
  )
  const actor = { ...SYSTEM_ACTOR, teamId: user.teamId }
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
  const project = await app.projects.create(user.teamId, { name: 'bench' }, actor)
  const domain = await app.domains.create(
    user.teamId,
    project.id,
    { domain: 'bench.berth.test', tls: false, active: true },
    actor,
  )
  const route = await app.routes.create(
    user.teamId,
    domain.id,
    {
      target: { url: `http://127.0.0.1:${ports[0]}` },
      path: '/',
      path_match: 'prefix',
      priority: null,
      middlewares: [],
      health_check: null,
      active: true,
    },
    actor,
  )
  const firstMs = await until(async () => (await get(httpPort, 'bench.berth.test')) === 'a')

  const liveMs: number[] = []
  for (let i = 1; i <= CHANGES; i++) {
    const next = i % 2
    await app.routes.update(user.teamId, route.id, { target: { url: `http://127.0.0.1:${ports[next]}` } }, actor)
    liveMs.push(await until(async () => (await get(httpPort, 'bench.berth.test')) === ['a', 'b'][next]))
  }
  console.log(`machine load (1/5/15 min): ${load()} (${availableParallelism()} CPUs)`)
  console.log(`first route live through Caddy after ${firstMs.toFixed(0)} ms`)
  console.log(
    `committed route change -> live through Caddy: p50 ${percentile(liveMs, 50).toFixed(1)} ms, p99 ${percentile(liveMs, 99).toFixed(1)} ms, max ${Math.max(...liveMs).toFixed(1)} ms (target: within 1,000 ms; ${CHANGES} changes)`,
  )
} finally {
  await app.close()
  caddy.kill('SIGTERM')
  for (const t of targets) t.close()
  rmSync(dir, { recursive: true, force: true })
}
