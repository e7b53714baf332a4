import type { Logger } from 'pino'
import type { AuditService } from '../audit/audit.service.js'
import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { EngineEventWatchers } from '../servers/engine-events.js'
import type { ServersService } from '../servers/servers.service.js'
import type { DeploymentWorkers } from './deployment-worker.js'
import { pruneDeployments, type RetentionPolicy } from './retention.js'

const MONITOR_INTERVAL_MS = 60_000
const RETENTION_INTERVAL_MS = 24 * 60 * 60 * 1000
const RETENTION_FIRST_RUN_MS = 60_000

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  logger: Pick<Logger, 'info' | 'error'>
  servers: Pick<ServersService, 'refreshAll'>
  engineEvents: Pick<EngineEventWatchers, 'watch' | 'stop'>
  workers: Pick<DeploymentWorkers, 'start' | 'stop'>
  /** The notification delivery worker (src/notifications). */
  notifier: { start(): void; stop(): Promise<void> }
  retention: RetentionPolicy
  /** The daily certificate-expiry check (notifications). */
  checkCertificates: () => Promise<void>
}

export type BackgroundJobs = ReturnType<typeof createBackgroundJobs>

/**
 * The serving process's timers in one place: the deployment workers, the server monitor (every
 * minute, which also keeps an engine-event watcher per server), notification delivery, and deployment retention with
 * the certificate-expiry check (a minute after start, then daily). The CLI and the tests build the app without starting them.
 */
export function createBackgroundJobs({ checkCertificates, ...deps }: Deps) {
  const { db, audit, logger, servers, engineEvents, workers, notifier, retention } = deps
  let monitorTimer: NodeJS.Timeout | undefined
  let retentionTimer: NodeJS.Timeout | undefined

  function daily() {
    prune()
    checkCertificates().catch((error: unknown) => logger.error({ err: error }, 'checking certificates failed'))
  }

  function prune() {
    pruneDeployments(db, audit, retention)
      .then((r) => r.deleted > 0 && logger.info({ deleted: r.deleted }, 'pruned old deployments'))
      .catch((error: unknown) => logger.error({ err: error }, 'pruning old deployments failed'))
  }

  function refreshServers() {
    servers
      .refreshAll(engineEvents.watch)
      .catch((error: unknown) => logger.error({ err: error }, 'refreshing server state failed'))
  }

  /** Recovers interrupted deployments, starts the workers and the server monitor. */
  async function start() {
    await workers.start()
    notifier.start()
    refreshServers()
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
    clearInterval(monitorTimer)
    engineEvents.stop()
    clearTimeout(retentionTimer)
    clearInterval(retentionTimer)
    await workers.stop()
    // After the workers: the outcomes they record last queue messages too (delivered by the next start).
    await notifier.stop()
  }

  return { start, stop }
}
