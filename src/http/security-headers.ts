import type { FastifyInstance } from 'fastify'

// API answers are data, never a page: nothing may load from them or frame them.
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"

/**
 * Headers every response carries: no MIME sniffing and no framing (clickjacking). The web UI's
 * page sets its own Content-Security-Policy (web.ts) and Swagger UI at /api/docs brings its own
 * scripts, so only responses without one get the API's strict policy.
 */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const

export function registerSecurityHeaders(server: FastifyInstance): void {
  server.addHook('onSend', async (request, reply, payload) => {
    void reply.headers(SECURITY_HEADERS)
    if (!reply.hasHeader('content-security-policy') && !request.url.startsWith('/api/docs'))
      void reply.header('content-security-policy', API_CONTENT_SECURITY_POLICY)
    return payload
  })
}
