import type { FastifyInstance } from 'fastify'

// API answers are data, never a page: nothing may load from them or frame them.
const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"

/**
 * Headers every response carries: no MIME sniffing and no framing (clickjacking). The web UI's
 * page sets its own Content-Security-Policy (web.ts) and Swagger UI at /api/docs brings its own
 * scripts, so only responses without one get the API's strict policy.
 */
export function registerSecurityHeaders(server: FastifyInstance): void {
  server.addHook('onSend', async (request, reply, payload) => {
    void reply.header('x-content-type-options', 'nosniff')
    void reply.header('x-frame-options', 'DENY')
    void reply.header('referrer-policy', 'no-referrer')
    if (!reply.hasHeader('content-security-policy') && !request.url.startsWith('/api/docs'))
      void reply.header('content-security-policy', API_CONTENT_SECURITY_POLICY)
    return payload
  })
}
