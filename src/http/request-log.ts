import type { FastifyInstance } from 'fastify'
import { passedOn } from './forward-to-primary.js'

/** A request slower than this is logged at info even when it only read. */
const SLOW_REQUEST_MS = 1000

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * One line per request, when it is answered (Fastify's default is two: received and completed).
 * Reads that succeed quickly are the bulk of the traffic (the UI polls, dashboards refresh) and say
 * nothing an operator looks for, so they go to debug; writes, failures and slow requests stay at
 * info. A reader process leaves what it passed on to the serving process. Each line is serialised and written on the event loop: fewer lines leave it more time for requests.
 */
export function registerRequestLog(server: FastifyInstance): void {
  server.addHook('onResponse', async (request, reply) => {
    if (passedOn(request)) return
    const ms = reply.elapsedTime
    const quiet = READS.has(request.method) && reply.statusCode < 400 && ms < SLOW_REQUEST_MS
    // A disabled level's method is pino's no-op: the line costs nothing below the configured level.
    request.log[quiet ? 'debug' : 'info'](
      { req: request, res: { statusCode: reply.statusCode }, responseTime: ms },
      'request completed',
    )
  })
}
