import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply } from 'fastify'

/** Where `npm run build` puts the UI: dist/web beside dist/cli.js (and beside src/ when run from source). */
export function defaultWebRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'web')
}

// Paths that belong to the server or the build: an unknown one is a JSON 404, never the SPA page
// (a missing script answered with HTML would fail silently in the browser).
const SERVER_PREFIXES = ['/api/', '/health', '/metrics', '/assets/']

// CodeMirror injects its styles at run time, hence 'unsafe-inline' for styles (not scripts).
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"

function sendIndex(reply: FastifyReply) {
  return reply
    .header('cache-control', 'no-cache')
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .sendFile('index.html')
}

/**
 * Serves the built web UI at `/`: hashed assets with a long cache, and index.html for every other
 * GET that is not a server path, so client-side routes survive a reload. Without a build (running
 * from source before `npm run build`) the API runs alone and the log says why.
 */
export async function registerWebUi(server: FastifyInstance, root = defaultWebRoot()): Promise<void> {
  if (!existsSync(join(root, 'index.html'))) {
    server.log.warn({ root }, 'web UI not built (run `npm run build`); serving the API only')
    return
  }
  await server.register(fastifyStatic, {
    root,
    // Files are registered one route each at start-up (the build is immutable), so the catch-all below decides the rest.
    wildcard: false,
    index: false,
    setHeaders(reply, path) {
      void reply.header('x-content-type-options', 'nosniff')
      // Vite puts a content hash in every asset name under assets/.
      void reply.header(
        'cache-control',
        path.startsWith(join(root, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache',
      )
    },
  })
  server.get('/', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply))
  server.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    if (SERVER_PREFIXES.some((prefix) => path.startsWith(prefix)) || path === '/api') return reply.callNotFound()
    return sendIndex(reply)
  })
}
