import type { FastifyPluginAsync } from 'fastify'
import type { App } from '../app.js'
import { passedOn } from '../http/forward-to-primary.js'
import { text } from '../http/responses.js'

export type RequestObserver = (method: string, route: string, status: string, seconds: number) => void

/** Records one request's duration in this process's metrics. */
export function observeRequest(app: Pick<App, 'metrics'>): RequestObserver {
  return (method, route, status, seconds) => app.metrics.httpRequestDuration.observe({ method, route, status }, seconds)
}

/**
 * Records every request's duration (here, or where `observe` sends it: a reader process's go to
 * the serving process) and serves /metrics in Prometheus text format. Public like /health: it
 * holds counts and durations, no team data and no secrets.
 */
export function metricsRoutes(app: Pick<App, 'metrics'>, observe = observeRequest(app)): FastifyPluginAsync {
  return async (server) => {
    server.addHook('onResponse', async (request, reply) => {
      if (passedOn(request)) return
      observe(
        request.method,
        request.routeOptions.url ?? 'unmatched',
        String(reply.statusCode),
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
