import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { countByStatus, countQueuedByServerName, logLinesStored } from '../deployments/deployments.repo.js'
import type { Metrics } from './metrics.js'

type SyncStatus = {
  last_run: { duration_ms: number } | null
  totals: { runs: number; drift_repaired: number; failed_runs: number }
}

/** Deployment and proxy-sync figures, computed when Prometheus scrapes (cheap, indexed queries only). */
export function registerCapabilityMetrics(
  metrics: Metrics,
  deps: { db: Kysely<DB>; proxySync: { status(): SyncStatus } },
) {
  metrics.gauge(
    'berth_deployments',
    'Deployments by status',
    async (g) => {
      g.reset()
      const rows = await countByStatus(deps.db)
      for (const r of rows) g.set({ status: r.status }, Number(r.n))
    },
    ['status'],
  )
  metrics.gauge(
    'berth_deployment_queue_depth',
    'Queued deployments per server',
    async (g) => {
      g.reset()
      const rows = await countQueuedByServerName(deps.db)
      for (const r of rows) g.set({ server: r.server_name }, Number(r.n))
    },
    ['server'],
  )
  metrics.gauge(
    'berth_deployment_log_lines_ingested',
    'Deployment log lines this process stored since it started',
    (g) => g.set(logLinesStored()),
  )
  metrics.gauge('berth_proxy_sync_runs', 'Proxy sync runs since start', (g) =>
    g.set(deps.proxySync.status().totals.runs),
  )
  metrics.gauge('berth_proxy_sync_failed_runs', 'Proxy sync runs that failed since start', (g) =>
    g.set(deps.proxySync.status().totals.failed_runs),
  )
  metrics.gauge(
    'berth_proxy_drift_repaired',
    'Generated files repaired after they changed behind Berth since start',
    (g) => g.set(deps.proxySync.status().totals.drift_repaired),
  )
  metrics.gauge('berth_proxy_sync_last_duration_seconds', 'Duration of the last proxy sync run', (g) =>
    g.set((deps.proxySync.status().last_run?.duration_ms ?? 0) / 1000),
  )
}
