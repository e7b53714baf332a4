import type { FastifyInstance } from 'fastify'

// Requests still running (a backup, a followed log) get this long to end before their connections are cut.
const SHUTDOWN_GRACE_MS = 10_000

/**
 * Stops accepting connections and waits for the requests in flight. A connection busy when the
 * close began would then stay open for keep-alive (72 s) once its answer is sent, so idle ones are
 * closed as they appear; after the grace period the rest (long event streams) are cut.
 */
export async function closeHttp(server: FastifyInstance): Promise<void> {
  const http = server.server
  const closed = server.close()
  const sweep = setInterval(() => http.closeIdleConnections(), 100)
  const cut = setTimeout(() => http.closeAllConnections(), SHUTDOWN_GRACE_MS)
  await closed
  clearInterval(sweep)
  clearTimeout(cut)
}
