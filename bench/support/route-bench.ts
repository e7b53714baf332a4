// What the proxy benches (bench:caddy, bench:traefik) share: two local HTTP targets, a Berth with
// one project, domain and route, a GET through the proxy and a poll until a change is live.
import { readFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import type { App } from '../../src/app.js'
import { buildApp } from '../../src/app.js'
import { SYSTEM_ACTOR } from '../../src/audit/audit.service.js'
import { loadConfig } from '../../src/config.js'

export const CHANGES = Number(process.env.BENCH_CHANGES ?? 100)
export const BENCH_HOST = 'bench.berth.test'

export function machineLoad(): string {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  return `machine load (1/5/15 min): ${load} (${availableParallelism()} CPUs)`
}

export const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!

/** "p50 X ms, p99 Y ms" of a list of milliseconds. */
export const p50p99 = (ms: number[]) =>
  `p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms`

export function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as { port: number }).port)))
}

/** Two HTTP servers answering "a" and "b": the targets a route switches between. */
export function twoTargets(): Server[] {
  return ['a', 'b'].map((name) => createServer((_req, res) => res.end(name)))
}

/** GET / through the proxy at ip:port with a Host header; resolves with the body. */
export function get(ip: string, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port, path: '/', headers: { host }, timeout: 2000 }, (res) => {
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
export async function until(check: () => Promise<boolean>): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < 30_000) {
    if (await check().catch(() => false)) return performance.now() - started
    await new Promise((r) => setTimeout(r, 2))
  }
  throw new Error('not live after 30 s')
}

/** A Berth in `dir` with its periodic reconcile out of the way, and a user to act as. */
export async function startBenchBerth(dir: string) {
  const app = await buildApp({
    config: loadConfig({
      BERTH_DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'silent',
      BERTH_PROXY_RECONCILE_SECONDS: '3600',
    }),
  })
  const user = await app.users.create(
    { email: 'bench@example.com', password: 'bench-password', admin: true },
    SYSTEM_ACTOR,
  )
  return { app, teamId: user.teamId, actor: { ...SYSTEM_ACTOR, teamId: user.teamId } }
}

/** One project, domain (BENCH_HOST, no TLS) and route to `url`; returns the project and route ids. */
export async function createBenchRoute(
  { app, teamId, actor }: { app: App; teamId: string; actor: typeof SYSTEM_ACTOR },
  url: string,
) {
  const project = await app.projects.create(teamId, { name: 'bench' }, actor)
  const domain = await app.domains.create(teamId, project.id, { domain: BENCH_HOST, tls: false, active: true }, actor)
  const route = await app.routes.create(
    teamId,
    domain.id,
    {
      target: { url },
      path: '/',
      path_match: 'prefix',
      priority: null,
      middlewares: [],
      health_check: null,
      active: true,
    },
    actor,
  )
  return { projectId: project.id, routeId: route.id }
}
