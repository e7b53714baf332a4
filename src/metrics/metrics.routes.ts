import type { FastifyPluginAsync } from 'fastify'
import type { App } from '../app.js'
import { text } from '../http/responses.js'

/**
 * Records every request's duration and serves /metrics in Prometheus text format. Public like
 * /health: it holds counts and durations, no team data and no secrets.
 */
export function metricsRoutes(app: Pick<App, 'metrics'>): FastifyPluginAsync {
  return async (server) => {
    server.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched'
      app.metrics.httpRequestDuration.observe(
        { method: request.method, route, status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      )
    })
    server.get(
      '/metrics',
      {
        config: { ability: 'public' },
        schema: {
          tags: ['health'],
          operationId: 'metrics',
          summary: 'Metrics in the Prometheus text format (counts and durations; no team data)',
          response: { 200: text('Prometheus text exposition format 0.0.4') },
        },
      },
      async (_request, reply) => {
        void reply.header('content-type', app.metrics.registry.contentType)
        return app.metrics.registry.metrics()
      },
    )
  }
}
