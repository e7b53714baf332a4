import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { migrationStatus } from '../db/migrate.js'
import { BERTH_VERSION } from '../version.js'
import { json, text, timestamp } from './responses.js'

const startedAt = Date.now()

const health = z
  .object({
    status: z.enum(['healthy', 'unhealthy']),
    failing: z.array(z.literal('database')).optional().describe('The failing parts (only when unhealthy)'),
    database: z.object({
      connected: z.boolean(),
      dialect: z.enum(['sqlite', 'postgres']),
      wal: z.object({ size_bytes: z.number() }).optional().describe('SQLite only'),
      size_bytes: z.number().optional(),
      migrations: z.object({ applied: z.number().int(), pending: z.number().int() }).optional(),
    }),
    servers: z.record(
      z.string(),
      z.object({ reachable: z.boolean(), engine_version: z.string().nullable(), checked_at: timestamp }),
    ),
    proxy: z.object({
      last_sync: timestamp.nullable(),
      last_error: z.string().nullable(),
      drift: z.number().int().describe('Files repaired since start'),
    }),
    backups: z.object({ last: timestamp.nullable(), last_verified: z.boolean() }),
    version: z.string(),
    uptime: z.number().int().describe('Seconds since start'),
  })
  .meta({ id: 'Health' })

/**
 * /health checks what Berth needs to do its job and names the failing part with a 503; it is
 * public so load balancers and Docker can call it. /health/live does no I/O at all.
 */
export function healthRoutes(
  app: Pick<App, 'backups' | 'database' | 'db' | 'logger' | 'proxySync' | 'serverMonitor'>,
): FastifyPluginAsyncZod {
  async function databaseHealth() {
    try {
      await app.database.ping()
      const migrations = await migrationStatus(app.db, app.database.dialect)
      const sizes = await app.database.sizes()
      return {
        ok: migrations.pending.length === 0,
        report: {
          connected: true,
          dialect: app.database.dialect,
          ...(sizes.walBytes !== null && { wal: { size_bytes: sizes.walBytes } }),
          size_bytes: sizes.databaseBytes,
          migrations: { applied: migrations.applied.length, pending: migrations.pending.length },
        },
      }
    } catch (error) {
      app.logger.error({ err: error }, 'health check: database unreachable')
      return { ok: false, report: { connected: false, dialect: app.database.dialect } }
    }
  }

  async function backupHealth() {
    try {
      const last = await app.backups.lastSucceeded()
      return { last: last?.finished_at ?? null, last_verified: last?.verified ?? false }
    } catch (error) {
      app.logger.error({ err: error }, 'health check: backups unreadable')
      return { last: null, last_verified: false }
    }
  }

  function proxyHealth() {
    const status = app.proxySync.status()
    return {
      last_sync: status.last_run?.started_at ?? null,
      last_error: status.last_run?.error ?? null,
      drift: status.totals.drift_repaired,
    }
  }

  return async (server) => {
    server.get(
      '/health',
      {
        config: { ability: 'public' },
        schema: {
          tags: ['health'],
          operationId: 'health',
          summary: 'Health of Berth and its database',
          response: {
            200: json(health, 'Healthy'),
            503: json(health, 'Unhealthy: `failing` names the parts'),
          },
        },
      },
      async (_request, reply) => {
        const database = await databaseHealth()
        const failing = database.ok ? [] : ['database']
        return reply.status(failing.length === 0 ? 200 : 503).send({
          status: failing.length === 0 ? 'healthy' : 'unhealthy',
          ...(failing.length > 0 && { failing }),
          database: database.report,
          servers: Object.fromEntries(
            [...app.serverMonitor.all()].map(([id, s]) => [
              id,
              { reachable: s.reachable, engine_version: s.engine_version, checked_at: s.checked_at },
            ]),
          ),
          proxy: proxyHealth(),
          backups: database.report.connected ? await backupHealth() : { last: null, last_verified: false },
          version: BERTH_VERSION,
          uptime: Math.round((Date.now() - startedAt) / 1000),
        })
      },
    )
    server.get(
      '/health/live',
      {
        config: { ability: 'public' },
        schema: {
          tags: ['health'],
          operationId: 'liveness',
          summary: 'Liveness: answers without any I/O',
          response: { 200: json(z.object({ status: z.literal('alive') }), 'The process answers') },
        },
      },
      async () => ({ status: 'alive' as const }),
    )
    // Plain text, as Coolify's /api/v1/version answers, so scripts that read it work unchanged.
    server.get(
      '/api/v1/version',
      {
        config: { ability: 'public' },
        schema: {
          tags: ['health'],
          operationId: 'version',
          summary: "Berth's version, as plain text",
          response: { 200: text('The version, e.g. 0.1.0') },
        },
      },
      async (_request, reply) => reply.type('text/plain; charset=utf-8').send(BERTH_VERSION),
    )
  }
}
