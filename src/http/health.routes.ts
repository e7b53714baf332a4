import type { FastifyPluginAsync } from 'fastify'
import type { App } from '../app.js'
import { migrationStatus } from '../db/migrate.js'

const startedAt = Date.now()

/** /health proves the database answers; it is public so load balancers and Docker can call it. */
export function healthRoutes(app: App): FastifyPluginAsync {
  return async (server) => {
    server.get('/health', { config: { ability: 'public' }, schema: { tags: ['health'], summary: 'Health of Berth and its database' } }, async (_request, reply) => {
      const uptime = Math.round((Date.now() - startedAt) / 1000)
      try {
        await app.database.ping()
        const migrations = await migrationStatus(app.db, app.database.dialect)
        const healthy = migrations.pending.length === 0
        return reply.status(healthy ? 200 : 503).send({
          status: healthy ? 'healthy' : 'unhealthy',
          database: { connected: true, dialect: app.database.dialect, migrations: { applied: migrations.applied.length, pending: migrations.pending.length } },
          uptime,
          servers: Object.fromEntries([...app.serverMonitor.all()].map(([id, s]) => [id, { reachable: s.reachable, engine_version: s.engine_version, checked_at: s.checked_at }])),
        })
      } catch (error) {
        server.log.error({ err: error }, 'health check: database unreachable')
        return reply.status(503).send({ status: 'unhealthy', failing: 'database', database: { connected: false, dialect: app.database.dialect }, uptime })
      }
    })
    server.get('/health/live', { config: { ability: 'public' }, schema: { tags: ['health'], summary: 'Liveness: answers without any I/O' } }, async () => ({ status: 'alive' }))
  }
}
