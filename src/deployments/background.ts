import type { Logger } from 'pino'
import type { AuditService } from '../audit/audit.service.js'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { EngineEventWatchers } from '../servers/engine-events.js'
import type { EventBus } from '../events/event-bus.js'
import type { DockerHost } from '../servers/docker-host.js'
import type { ServersService } from '../servers/servers.service.js'
import type { DeploymentWorkers } from './deployment-worker.js'
import { connectProxies, projectNetworksOn } from './attach-routed.js'
import type { ProxyNetwork } from './work-dir.js'
import { pruneDeployments, type RetentionPolicy } from './retention.js'

type RefreshedServer = Awaited<ReturnType<ServersService['refreshOne']>>

const MONITOR_INTERVAL_MS = 60_000
const RETENTION_INTERVAL_MS = 24 * 60 * 60 * 1000
const RETENTION_FIRST_RUN_MS = 60_000

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  logger: Pick<Logger, 'info' | 'error'>
  servers: Pick<ServersService, 'refreshAll' | 'refreshOne'>
  engineEvents: Pick<EngineEventWatchers, 'watch' | 'stop'>
  workers: Pick<DeploymentWorkers, 'start' | 'stop'>
  events: Pick<EventBus, 'on'>
  /** The notification delivery worker (src/notifications). */
  notifier: { start(): void; stop(): Promise<void> }
  retention: RetentionPolicy
  /** Which projects' networks a proxy joins at a refresh. */
  network: Pick<ProxyNetwork, 'knownProjects'>
  /** After each refresh of a reachable server (the proxy runtime checks its proxy there). */
  onServerRefreshed?: (serverId: string) => Promise<void>
  /** The daily certificate-expiry check (notifications). */
  checkCertificates: () => Promise<void>
  /** Removes built images beyond those each Git service keeps (git-sources/image-retention.ts). */
  pruneImages(): Promise<{ removed: number; refused: string[] }>
}

export type BackgroundJobs = ReturnType<typeof createBackgroundJobs>

/**
 * The serving process's timers in one place: the deployment workers, the server monitor (every
 * minute, which also keeps an engine-event watcher per server), notification delivery, and deployment retention with
 * the certificate-expiry check (a minute after start, then daily). The CLI and the tests build the app without starting them.
 */
export function createBackgroundJobs({ checkCertificates, ...deps }: Deps) {
  const {
    db,
    audit,
    logger,
    servers,
    engineEvents,
    workers,
    events,
    notifier,
    retention,
    pruneImages,
    onServerRefreshed,
    network,
  } = deps
  let monitorTimer: NodeJS.Timeout | undefined
  let running = false
  let offFinished: (() => void) | undefined
  let retentionTimer: NodeJS.Timeout | undefined
  /**
   * Work the timers and events started and nobody awaits: stop() waits for it, so a stopped Berth
   * runs no `docker` over ssh (which rewrites the server's transport files under the data dir) and
   * no query on a closed database.
   */
  const inFlight = new Set<Promise<unknown>>()

  /** Starts waiting for `work`, logging its failure as `failed` (with `context`): never thrown, never lost. */
  function track(work: Promise<unknown>, failed: string, context: Record<string, unknown> = {}) {
    const settled = work.catch((error: unknown) => logger.error({ err: error, ...context }, failed))
    inFlight.add(settled)
    void settled.finally(() => inFlight.delete(settled))
  }

  function daily() {
    prune()
    track(checkCertificates(), 'checking certificates failed')
  }

  function prune() {
    track(
      pruneDeployments(db, audit, retention).then(
        (r) => r.deleted > 0 && logger.info({ deleted: r.deleted }, 'pruned old deployments'),
      ),
      'pruning old deployments failed',
    )
    track(
      pruneImages().then((r) => {
        if (r.removed > 0) logger.info({ removed: r.removed }, 'pruned old build images')
        if (r.refused.length > 0) logger.error({ refused: r.refused }, 'some build images could not be removed')
      }),
      'pruning build images failed',
    )
  }

  /**
   * Connects the server's proxies to every project network they are not on yet: a proxy started
   * (or recreated) after the projects were deployed, as one the operator runs themselves, reaches
   * the routed services without waiting for their next deployment.
   */
  async function joinProxies(refreshed: RefreshedServer | undefined) {
    if (!refreshed?.state.reachable) return
    // One network that cannot be joined (say, two of one name left by an older Berth) must not keep
    // the proxy off all the others.
    const failed: string[] = []
    const made = await connectProxies(refreshed.host, await projectNetworksOn(refreshed.host, network), failed)
    if (made.length > 0) logger.info({ serverId: refreshed.serverId, made }, 'connected proxies to project networks')
    if (failed.length > 0)
      logger.error({ serverId: refreshed.serverId, failed }, 'some project networks could not be joined')
    await onServerRefreshed?.(refreshed.serverId)
  }

  function refreshServer(serverId: string) {
    if (!running) return
    track(servers.refreshOne(serverId).then(joinProxies), 'refreshing server state failed', { serverId })
  }

  function refreshServers() {
    if (!running) return
    track(
      servers.refreshAll(engineEvents.watch).then((all) => Promise.all(all.map(joinProxies))),
      'refreshing server state failed',
    )
  }

  /** Recovers interrupted deployments, starts the workers and the server monitor. */
  async function start() {
    running = true
    await workers.start()
    notifier.start()
    refreshServers()
    // A deployment's end says something about its engine (gone, or back): show it now, not within the minute.
    offFinished = events.on('deployment.finished', (e) => refreshServer(e.serverId))
    monitorTimer = setInterval(refreshServers, MONITOR_INTERVAL_MS)
    monitorTimer.unref()
    retentionTimer = setTimeout(() => {
      daily()
      retentionTimer = setInterval(daily, RETENTION_INTERVAL_MS)
      retentionTimer.unref()
    }, RETENTION_FIRST_RUN_MS)
    retentionTimer.unref()
  }

  /** Stops the timers and the workers (their running deployments end as failed, with their outcome stored). */
  async function stop() {
    running = false
    offFinished?.()
    clearInterval(monitorTimer)
    engineEvents.stop()
    clearTimeout(retentionTimer)
    clearInterval(retentionTimer)
    await workers.stop()
    // After the workers: a deployment's end starts a refresh of its server, its outcome queues messages
    // (delivered by the next start).
    await Promise.all(inFlight)
    await notifier.stop()
  }

  /** A server added while serving: followed and checked now rather than at the next minute's refresh. */
  function watchServer(serverId: string, host: DockerHost) {
    if (!running) return
    engineEvents.watch(serverId, host)
    refreshServer(serverId)
  }

  return { start, stop, watchServer, refreshServer }
}
