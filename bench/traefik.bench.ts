// Route changes going live through a real Traefik: the time from a committed route change (the
// service call returned) until Traefik answers from the new target. Traefik (scripts/setup-test-host.sh
// installs it) runs in a container on the `berth` network with Berth's own static file and watches
// the dynamic directory the sync service writes, as in production; the targets are two local HTTP
// servers on the host's address in that network. Run: npm run bench:traefik. Prints p50 / p99 / max
// over many changes (goal: p99 under 50 ms) and the machine load.
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { buildApp } from '../src/app.js'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { loadConfig } from '../src/config.js'
import { proxyNetworkGateway, startBerthTraefik, traefikVersion } from '../test/support/traefik.js'

const CHANGES = Number(process.env.BENCH_CHANGES ?? 100)
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as { port: number }).port)))
}

function get(ip: string, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port: 80, path: '/', headers: { host }, timeout: 2000 }, (res) => {
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

const dir = mkdtempSync(join(tmpdir(), 'berth-traefik-bench-'))
const gateway = await proxyNetworkGateway()
const targets = ['a', 'b'].map((name) => createServer((_req, res) => res.end(name)))
const app = await buildApp({
  config: loadConfig({ BERTH_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'silent', BERTH_PROXY_RECONCILE_SECONDS: '3600' }),
})
let traefik: Awaited<ReturnType<typeof startBerthTraefik>> | undefined
try {
  const ports = await Promise.all(targets.map((t) => listen(t, gateway)))
  const user = await app.users.create(
    { email: 'bench@example.com', password: 'bench-password', admin: true },
    SYSTEM_ACTOR,
  )
  const actor = { ...SYSTEM_ACTOR, teamId: user.teamId }
  await app.settings.update({ http_to_https_redirect: false }, actor)
  app.proxySync.start(app.events)
  await app.proxySync.idle()
  traefik = await startBerthTraefik(app.config.proxyDir, dir)
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
      target: { url: `http://${gateway}:${ports[0]}` },
      path: '/',
      path_match: 'prefix',
      priority: null,
      middlewares: [],
      health_check: null,
      active: true,
    },
    actor,
  )
  const ip = traefik.ip
  const firstMs = await until(async () => (await get(ip, 'bench.berth.test')) === 'a')

  const file = join(app.config.proxyDir, 'dynamic', `project-${project.id}.yml`)
  const liveMs: number[] = []
  const fileMs: number[] = []
  for (let i = 1; i <= CHANGES; i++) {
    const next = i % 2
    const url = `http://${gateway}:${ports[next]}`
    const committed = performance.now()
    await app.routes.update(user.teamId, route.id, { target: { url } }, actor)
    let written = 0
    liveMs.push(
      await until(async () => {
        if (written === 0 && readFileSync(file, 'utf8').includes(url)) written = performance.now() - committed
        return (await get(ip, 'bench.berth.test')) === ['a', 'b'][next]
      }),
    )
    fileMs.push(written || liveMs.at(-1)!)
  }
  console.log(`Traefik ${traefikVersion()}; machine load (1/5/15 min): ${load()} (${availableParallelism()} CPUs)`)
  console.log(`first route live through Traefik after ${firstMs.toFixed(0)} ms`)
  console.log(
    `committed route change -> live through Traefik: p50 ${percentile(liveMs, 50).toFixed(1)} ms, p99 ${percentile(liveMs, 99).toFixed(1)} ms, max ${Math.max(...liveMs).toFixed(1)} ms (goal: p99 under 50 ms; ${CHANGES} changes)`,
  )
  console.log(
    `  of which committed change -> file renamed into place: p50 ${percentile(fileMs, 50).toFixed(1)} ms, p99 ${percentile(fileMs, 99).toFixed(1)} ms`,
  )

  // The same through Traefik alone: a file renamed into the directory by this script (no database,
  // no fsync), so the figure above can be read against what Traefik itself takes on this machine.
  const baselineMs: number[] = []
  const baseline = join(app.config.proxyDir, 'dynamic', 'bench-baseline.yml')
  const putBaseline = (port: number) => {
    writeFileSync(
      `${baseline}.tmp`,
      stringify({
        http: {
          routers: { baseline: { rule: 'Host(`baseline.berth.test`)', service: 'baseline', entryPoints: ['web'] } },
          services: { baseline: { loadBalancer: { servers: [{ url: `http://${gateway}:${port}` }] } } },
        },
      }),
    )
    renameSync(`${baseline}.tmp`, baseline)
  }
  putBaseline(ports[0]!)
  await until(async () => (await get(ip, 'baseline.berth.test')) === 'a')
  for (let i = 1; i <= CHANGES; i++) {
    const next = i % 2
    const started = performance.now()
    putBaseline(ports[next]!)
    await until(async () => (await get(ip, 'baseline.berth.test')) === ['a', 'b'][next])
    baselineMs.push(performance.now() - started)
  }
  console.log(
    `baseline, a file renamed into the directory by hand -> live through Traefik: p50 ${percentile(baselineMs, 50).toFixed(1)} ms, p99 ${percentile(baselineMs, 99).toFixed(1)} ms`,
  )
  const errors = traefik.errorLines()
  if (errors.length > 0) console.log(`Traefik logged ${errors.length} error lines, the first: ${errors[0]}`)
} finally {
  await app.close()
  await traefik?.stop()
  for (const t of targets) t.close()
  rmSync(dir, { recursive: true, force: true })
}
