import type { BackupService } from '../backups/backup.service.js'
import type { Database } from '../db/connection.js'
import type { Metrics } from './metrics.js'

/** Database and backup gauges, read when Prometheus scrapes. */
export function registerCoreMetrics(
  metrics: Metrics,
  deps: { database: Pick<Database, 'sizes'>; backups: Pick<BackupService, 'lastSucceeded'> },
) {
  metrics.gauge('berth_database_size_bytes', 'Size of the database', async (g) =>
    g.set((await deps.database.sizes()).databaseBytes),
  )
  metrics.gauge('berth_database_wal_size_bytes', 'Size of the SQLite write-ahead log (0 on PostgreSQL)', async (g) =>
    g.set((await deps.database.sizes()).walBytes ?? 0),
  )
  metrics.gauge(
    'berth_backup_age_seconds',
    'Seconds since the last verified backup finished (-1 when there is none)',
    async (g) => {
      const last = await deps.backups.lastSucceeded()
      g.set(last?.finished_at ? (Date.now() - Date.parse(last.finished_at)) / 1000 : -1)
    },
  )
}
