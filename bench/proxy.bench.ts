// Proxy sync at scale: 1,000 projects with 10,000 routes (10 per project, on 2 domains each), on a
// real SQLite file and a real file system with fsync. Run: npm run bench:proxy. Prints:
//   - full render + write of every file into an empty proxy directory (target < 1 s): median of
//     several rounds, each by a new sync service (nothing cached) into a new empty directory, and
//     the first round on its own (code not yet optimised by the JIT, as at start-up),
//   - a no-op full sync (the periodic reconcile) after each of those rounds, median,
//   - a committed route change to its file renamed into place, p50 and p99 (targets 10 / 50 ms),
//   - files written by a no-op sync (target 0).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../src/app.js'
import { SYSTEM_ACTOR } from '../src/audit/audit.service.js'
import { loadConfig } from '../src/config.js'
import { newId, nowIso } from '../src/db/time.js'
import { planTraefik } from '../src/proxy/sync/proxy.plan.js'
import { loadAllRouting } from '../src/proxy/proxy.repo.js'
import { createProxySyncService } from '../src/proxy/sync/proxy.sync.js'
import { readSettings } from '../src/settings/settings.service.js'

const PROJECTS = 1_000
const DOMAINS_PER_PROJECT = 2
const ROUTES_PER_DOMAIN = 5
const CHANGES = 300
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const ms = (values: number[]) => values.map((v) => v.toFixed(0)).join(', ')

function timed(work: () => unknown): number {
  const started = performance.now()
  work()
  return performance.now() - started
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

const dataDir = mkdtempSync(join(tmpdir(), 'berth-proxy-bench-'))
const app = await buildApp({
  config: loadConfig({ BERTH_DATA_DIR: dataDir, LOG_LEVEL: 'silent', BERTH_PROXY_RECONCILE_SECONDS: '3600' }),
})
try {
  const user = await app.users.create(
    { email: 'bench@example.com', password: 'bench-password', admin: true },
    SYSTEM_ACTOR,
  )
  const actor = { ...SYSTEM_ACTOR, teamId: user.teamId }

  // Seeded with bulk inserts: the API path is measured below, on the changes.
  const seeded = performance.now()
  const routeIds: string[] = []
  await app.db.transaction().execute(async (trx) => {
    const now = nowIso()
    for (let p = 0; p < PROJECTS; p++) {
      const projectId = newId()
      await trx
        .insertInto('projects')
        .values({
          id: projectId,
          team_id: user.teamId,
          name: `project-${p}`,
          description: '',
          created_at: now,
          updated_at: now,
        })
        .execute()
      const mwId = newId()
      await trx
        .insertInto('proxy_middlewares')
        .values({
          id: mwId,
          project_id: projectId,
          name: 'gzip',
          type: 'compress',
          config: '{}',
          created_at: now,
          updated_at: now,
        })
        .execute()
      for (let d = 0; d < DOMAINS_PER_PROJECT; d++) {
        const domainId = newId()
        const full = `d${d}.p${p}.bench.example.com`
        await trx
          .insertInto('proxy_domains')
          .values({
            id: domainId,
            project_id: projectId,
            domain: full,
            subdomain: null,
            full_domain: full,
            tls_mode: d % 2 === 1 ? 'acme' : 'none',
            cert_resolver: null,
            active: 1,
            created_at: now,
            updated_at: now,
          })
          .execute()
        const routes = Array.from({ length: ROUTES_PER_DOMAIN }, (_, r) => ({
          id: newId(),
          domain_id: domainId,
          target_type: 'url' as const,
          service_id: null,
          compose_service: null,
          port: null,
          url: `http://10.${p % 250}.${d}.${r}:8080`,
          path: r === 0 ? '/' : `/r${r}`,
          path_match: 'prefix' as const,
          priority: r === 0 ? null : r,
          health_check: null,
          active: 1,
          created_at: now,
          updated_at: now,
        }))
        await trx.insertInto('proxy_routes').values(routes).execute()
        await trx
          .insertInto('proxy_route_middlewares')
          .values(routes.map((r) => ({ route_id: r.id, position: 0, middleware_id: mwId })))
          .execute()
        routeIds.push(...routes.map((r) => r.id))
      }
    }
  })
  await app.settings.update({ letsencrypt_email: 'bench@example.com' }, actor)
  console.log(`seeded ${PROJECTS} projects, ${routeIds.length} routes in ${(performance.now() - seeded).toFixed(0)} ms`)

  console.log(`machine load (1/5/15 min): ${load()} (${availableParallelism()} CPUs)`)
  const fullMs: number[] = []
  const fullCpuMs: number[] = []
  const noopMs: number[] = []
  let written = 0
  for (let round = 0; round < ROUNDS; round++) {
    await app.db.deleteFrom('proxy_generated_files').execute()
    const proxyDir = join(dataDir, `proxy-round-${round}`)
    const sync = createProxySyncService({ db: app.db, logger: app.logger, proxyDir, reconcileIntervalMs: 3_600_000 })
    const cpu = process.cpuUsage()
    let started = performance.now()
    const full = await sync.runNow()
    fullMs.push(performance.now() - started)
    const used = process.cpuUsage(cpu)
    fullCpuMs.push((used.user + used.system) / 1000)
    if (full.error) throw new Error(full.error)
    written = full.files_written.length
    started = performance.now()
    const noop = await sync.runNow()
    noopMs.push(performance.now() - started)
    if (noop.files_written.length > 0) throw new Error(`a no-op sync wrote ${noop.files_written.length} files`)
  }
  console.log(
    `full render + write into an empty directory (${written} files): median ${median(fullMs).toFixed(0)} ms = ${(median(fullMs) / 1000).toFixed(2)} x the 1 s budget; first round ${fullMs[0]!.toFixed(0)} ms (rounds: ${ms(fullMs)}; CPU ms: ${ms(fullCpuMs)})`,
  )
  console.log(
    `no-op full sync (periodic reconcile, unchanged projects not re-rendered): median ${median(noopMs).toFixed(0)} ms, 0 files written (rounds: ${ms(noopMs)})`,
  )

  const settings = await readSettings(app.db)
  const started = performance.now()
  const routing = await loadAllRouting(app.db)
  console.log(
    `  parts: load all routing from the database ${(performance.now() - started).toFixed(0)} ms, render + validate every file (nothing cached) ${timed(() => planTraefik(routing, settings)).toFixed(0)} ms`,
  )
  await app.proxySync.runNow()
  console.log(`machine load after the full syncs: ${load()}`)

  app.proxySync.start(app.events)
  await app.proxySync.idle()
  const commitToRename: number[] = []
  const callToRename: number[] = []
  for (let i = 0; i < CHANGES; i++) {
    const routeId = routeIds[(i * 37) % routeIds.length]!
    const called = performance.now()
    await app.routes.update(user.teamId, routeId, { path: `/changed-${i}` }, actor)
    const committed = performance.now()
    await app.proxySync.idle()
    const renamed = performance.now()
    commitToRename.push(renamed - committed)
    callToRename.push(renamed - called)
  }
  console.log(
    `committed route change -> file renamed: p50 ${percentile(commitToRename, 50).toFixed(2)} ms, p99 ${percentile(commitToRename, 99).toFixed(2)} ms (targets 10 / 50 ms; ${CHANGES} changes)`,
  )
  console.log(
    `API call (validate + commit + audit) -> file renamed: p50 ${percentile(callToRename, 50).toFixed(2)} ms, p99 ${percentile(callToRename, 99).toFixed(2)} ms`,
  )
  const last = app.proxySync.status().last_run
  console.log(`last incremental run: ${last?.files_written.length} file written in ${last?.duration_ms} ms`)
} finally {
  await app.close()
  rmSync(dataDir, { recursive: true, force: true })
}
