import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { DB } from '../../db/schema.js'
import type { EventBus } from '../../events/event-bus.js'
import { readSettings } from '../../settings/settings.service.js'
import type { Settings } from '../../settings/settings.types.js'
import { stableJson } from '../caddy/caddy.render.js'
import { loadCaddyConfig, readCaddyConfig } from '../caddy/caddy.admin.js'
import { applyDesired, KEEP, type Desired, type Want } from './proxy.apply.js'
import { proxyPaths } from '../proxy.model.js'
import {
  planCaddy,
  planProjectCached,
  traefikEntries,
  type Plan,
  type PlanCache,
  type PlanEntry,
} from './proxy.plan.js'
import { loadAllRouting, loadProjectRouting } from '../proxy.repo.js'
import { buildHttpProviderDocument } from '../traefik/traefik.http-provider.js'
import type { RenderIssue } from '../traefik/traefik.validate.js'

type Deps = {
  db: Kysely<DB>
  logger: Pick<Logger, 'error' | 'warn' | 'info'>
  proxyDir: string
  reconcileIntervalMs: number
  /** Hears every finished run with the one before it (notifications: failed, working again, drift repaired). */
  onRun?: (run: SyncRun, previous: SyncRun | null) => Promise<void>
}

/**
 * Where Caddy's admin API is when Berth runs Caddy itself (proxy-runtime/): the container's address
 * on the `berth` network, which changes with each new container. Undefined: the setting's URL.
 */
export type CaddyAdminLocator = () => Promise<string | undefined>

type Scope = { full: boolean; projects: Set<string> }

/** A plan's entries as the apply step takes them, collecting the issues as they are rendered. */
function* keepInvalid(entries: Iterable<PlanEntry>, issues: RenderIssue[]): Generator<[string, Want]> {
  for (const entry of entries) {
    issues.push(...entry.issues)
    // Never write what did not validate: the file on disk stays as it was.
    yield [entry.path, entry.issues.length > 0 ? KEEP : entry.file]
  }
}

export type SyncRun = {
  started_at: string
  duration_ms: number
  scope: 'full' | 'projects'
  files_written: string[]
  files_removed: string[]
  drift_repaired: string[]
  /** Files left as they were because their new content did not pass validation. */
  render_issues: { file: string; path: string; message: string }[]
  error: string | null
}

export type ProxySyncService = ReturnType<typeof createProxySyncService>

/**
 * The only writer of the proxy directory (and the only caller of Caddy's admin API). Changes ask
 * for a run with `request`; requests made while a run is going on are merged into the next one, so
 * bursts coalesce and runs never overlap. A full run (on start, on `runNow`, every reconcile
 * interval, after settings changes) also removes orphans and checks every file for drift.
 */
export function createProxySyncService({ db, logger, proxyDir, reconcileIntervalMs, onRun }: Deps) {
  let locateCaddyAdmin: CaddyAdminLocator = async () => undefined
  let traefikApiSources: () => Promise<string[]> = async () => []
  let pending: Scope | null = null
  let draining: Promise<void> | null = null
  let timer: NodeJS.Timeout | undefined
  let unsubscribe: (() => void)[] = []
  let lastKind: Settings['proxy'] | null = null
  let lastCaddyApplied: string | null = null
  let httpDocument: string | null = null
  let lastRun: SyncRun | null = null
  const planCache: PlanCache = new Map()
  const totals = { runs: 0, files_written: 0, files_removed: 0, drift_repaired: 0, failed_runs: 0 }

  function request(scope: { full?: boolean; projectId?: string }): void {
    pending ??= { full: false, projects: new Set() }
    if (scope.full) pending.full = true
    if (scope.projectId) pending.projects.add(scope.projectId)
    kick()
  }

  function kick(): void {
    if (draining) return
    draining = (async () => {
      // Yield once so that changes committed in the same tick join this run.
      await new Promise((resolve) => setImmediate(resolve))
      while (pending) {
        const scope = pending
        pending = null
        await runOnce(scope)
      }
    })().finally(() => {
      draining = null
      if (pending) kick()
    })
  }

  async function planProjects(projectIds: Set<string>, settings: Settings): Promise<Plan> {
    const files: Plan['files'] = new Map()
    const issues: Plan['issues'] = []
    for (const projectId of [...projectIds].sort()) {
      const project = await loadProjectRouting(db, projectId)
      if (!project) planCache.delete(projectId)
      const planned = project ? planProjectCached(project, settings, planCache) : { file: null, issues: [] }
      files.set(proxyPaths.project(projectId), planned.file)
      issues.push(...planned.issues)
    }
    return { files, issues }
  }

  /**
   * What a run should make true. A full Traefik run renders each project as the apply step reaches
   * it, so files are written while the rest renders; its `issues` fill up as that happens.
   */
  async function plan(
    scope: Scope,
    settings: Settings,
  ): Promise<{ desired: Iterable<[string, Want]>; issues: RenderIssue[]; caddyConfig?: Record<string, unknown> }> {
    if (settings.proxy === 'traefik' && scope.full) {
      const issues: RenderIssue[] = []
      return {
        desired: keepInvalid(
          traefikEntries(await loadAllRouting(db), settings, planCache, await traefikApiSources()),
          issues,
        ),
        issues,
      }
    }
    const planned =
      settings.proxy === 'caddy'
        ? planCaddy(await loadAllRouting(db), settings)
        : await planProjects(scope.projects, settings)
    const desired: Desired = new Map(planned.files)
    // Never write what did not validate: the file on disk stays as it was.
    for (const issue of planned.issues) desired.set(issue.file, KEEP)
    return { desired, issues: planned.issues, caddyConfig: planned.caddyConfig }
  }

  /** Caddy gets the configuration when it changed, or when what it runs drifted from it (checked on full runs). */
  async function applyToCaddy(settings: Settings, config: Record<string, unknown>, full: boolean): Promise<boolean> {
    const json = stableJson(config)
    let drifted = false
    if (full && lastCaddyApplied === json)
      drifted = stableJson(await readCaddyConfig(settings.caddy_admin_url)) !== json
    if (lastCaddyApplied === json && !drifted) return false
    await loadCaddyConfig(settings.caddy_admin_url, json)
    lastCaddyApplied = json
    return drifted
  }

  async function runOnce(requested: Scope): Promise<void> {
    const started = performance.now()
    const run: SyncRun = {
      started_at: new Date().toISOString(),
      duration_ms: 0,
      scope: 'projects',
      files_written: [],
      files_removed: [],
      drift_repaired: [],
      render_issues: [],
      error: null,
    }
    try {
      const stored = await readSettings(db)
      // The rendered admin listener follows the URL Berth reaches it at (or a POST /load would move it).
      const adminUrl = stored.proxy === 'caddy' ? await locateCaddyAdmin() : undefined
      const settings = adminUrl ? { ...stored, caddy_admin_url: adminUrl } : stored
      const scope = lastKind !== settings.proxy ? { full: true, projects: requested.projects } : requested
      run.scope = scope.full ? 'full' : 'projects'
      const planned = await plan(scope, settings)
      run.render_issues = planned.issues
      if (
        planned.caddyConfig &&
        planned.issues.length === 0 &&
        (await applyToCaddy(settings, planned.caddyConfig, scope.full))
      )
        run.drift_repaired.push('caddy:admin-api')
      const counts = await applyDesired(db, proxyDir, planned.desired, scope.full)
      run.files_written = counts.written
      run.files_removed = counts.removed
      run.drift_repaired.push(...counts.drift)
      lastKind = settings.proxy
      if (planned.issues.length > 0)
        logger.warn({ issues: planned.issues }, 'proxy sync left files that would not validate unchanged')
    } catch (error) {
      run.error = (error as Error).message
      totals.failed_runs++
      logger.error({ err: error }, 'proxy sync failed')
    } finally {
      httpDocument = null
      run.duration_ms = Math.round((performance.now() - started) * 1000) / 1000
      totals.runs++
      totals.files_written += run.files_written.length
      totals.files_removed += run.files_removed.length
      totals.drift_repaired += run.drift_repaired.length
      const previous = lastRun
      lastRun = run
      // A listener's failure is logged; it never fails the sync.
      await onRun?.(run, previous).catch((error: unknown) =>
        logger.error({ err: error }, 'a proxy sync listener failed'),
      )
    }
  }

  /** Resolves once no run is going on and none is pending. */
  async function idle(): Promise<void> {
    while (draining) await draining
  }

  return {
    request,
    idle,
    /** Set by proxy-runtime/ once it is wired: Berth's own Caddy container, when it runs one. */
    setCaddyAdminLocator(locate: CaddyAdminLocator): void {
      locateCaddyAdmin = locate
    },
    /** Set by proxy-runtime/: the addresses allowed to read the API of the Traefik Berth runs (full runs write them). */
    setTraefikApiSources(locate: () => Promise<string[]>): void {
      traefikApiSources = locate
    },
    /** The Caddy configuration the last run loaded (stable JSON), to compare with what Caddy runs. */
    lastCaddyConfig: () => lastCaddyApplied,
    /** Forces a full run and waits for it; returns its report. */
    async runNow(): Promise<SyncRun> {
      request({ full: true })
      await idle()
      return lastRun!
    },
    status() {
      return {
        running: draining !== null,
        proxy_dir: proxyDir,
        reconcile_interval_ms: reconcileIntervalMs,
        last_run: lastRun,
        totals: { ...totals },
      }
    },
    /** The whole dynamic configuration for Traefik's HTTP provider, cached until the next run. */
    async traefikHttpDocument(): Promise<string> {
      httpDocument ??= JSON.stringify(buildHttpProviderDocument(await loadAllRouting(db), await readSettings(db)))
      return httpDocument
    },
    /** Subscribes to routing changes, starts the periodic reconcile and runs a first full sync. */
    start(events: Pick<EventBus, 'on'>): void {
      if (timer) return
      unsubscribe = [
        events.on('domain.changed', (e) => request({ projectId: e.projectId })),
        events.on('route.changed', (e) => request({ projectId: e.projectId })),
        events.on('middleware.changed', (e) => request({ projectId: e.projectId })),
        events.on('project.deleted', (e) => request({ projectId: e.projectId })),
        // The service row is gone, and its routes with it (cascade): find the files to change by a full run.
        events.on('service.deleted', () => request({ full: true })),
        events.on('settings.changed', () => request({ full: true })),
        // Berth (re)started the proxy: a new Caddy starts empty and waits for its configuration.
        events.on('deployment.finished', (e) => {
          if (e.resourceType === 'proxy') request({ full: true })
        }),
      ]
      timer = setInterval(() => request({ full: true }), reconcileIntervalMs)
      timer.unref()
      request({ full: true })
    },
    async stop(): Promise<void> {
      for (const off of unsubscribe) off()
      unsubscribe = []
      clearInterval(timer)
      timer = undefined
      await idle()
    },
  }
}
