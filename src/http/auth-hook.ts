import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { App } from '../app.js'
import { requireAbility, type Ability, type Principal } from '../auth/principal.js'
import { ForbiddenError, UnauthorizedError } from '../errors.js'

export const SESSION_COOKIE = 'berth_session'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The ability a route needs, or "public" for the few routes anyone may call. Required under /api/v1. */
    ability?: Ability | 'public'
  }
  interface FastifyRequest {
    principal?: Principal
  }
}

/** The authenticated caller of a route that declared an ability (the hook guarantees it is set). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new UnauthorizedError()
  return request.principal
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (!header) return undefined
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  return match?.[1]
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Refuses a cookie-authenticated write that a browser says came from another site. SameSite=Strict
 * already keeps the cookie off cross-site requests; this is the second lock for browsers or
 * proxies that get SameSite wrong, and for sibling subdomains (same site, other origin).
 * A request with neither header (curl, scripts) is not from a browser page and passes.
 */
function refuseCrossOrigin(request: FastifyRequest): void {
  // A WebSocket handshake is a GET, but what follows it acts (a terminal): another site's page
  // must not open one with the user's cookie, so it is checked like a write.
  const upgrade = request.headers.upgrade?.toLowerCase() === 'websocket'
  if (SAFE_METHODS.has(request.method) && !upgrade) return
  const fetchSite = request.headers['sec-fetch-site']
  const origin = request.headers.origin
  let crossOrigin = fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none'
  if (!crossOrigin && origin !== undefined) {
    try {
      // URL drops a scheme's default port from Origin; Host may still carry it (":80", ":443").
      const own = (request.headers.host ?? '').replace(/:(80|443)$/, '')
      crossOrigin = origin === 'null' || new URL(origin).host !== own
    } catch {
      // An Origin header that is not a URL cannot be this server's own page.
      crossOrigin = true
    }
  }
  if (crossOrigin)
    throw new ForbiddenError(
      'cross_origin_request',
      `A session-authenticated ${request.method} must come from Berth's own pages (Origin ${origin ?? 'absent'}, Sec-Fetch-Site ${fetchSite ?? 'absent'}); scripts use an API token.`,
    )
}

/**
 * Who a request's credential (bearer token, else session cookie) stands for now; undefined when
 * it is missing, expired or revoked. A long-lived connection (a terminal) asks again while it lasts.
 */
export function authenticateRequest(
  app: Pick<App, 'sessions' | 'tokens'>,
  request: FastifyRequest,
): Promise<Principal | undefined> {
  const token = bearerToken(request)
  const cookie = request.cookies[SESSION_COOKIE]
  if (token) return app.tokens.authenticate(token, request.ip)
  return cookie ? app.sessions.authenticate(cookie, request.ip) : Promise.resolve(undefined)
}

export function registerAuthentication(server: FastifyInstance, app: Pick<App, 'sessions' | 'tokens'>): void {
  // Refuse to start with an API route that forgot to say who may call it.
  server.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/v1/') && route.config?.ability === undefined) {
      throw new Error(`Route ${route.method} ${route.url} declares no ability`)
    }
  })

  server.addHook('onRequest', async (request) => {
    const ability = request.routeOptions.config?.ability
    if (ability === undefined || ability === 'public') return
    const token = bearerToken(request)
    const cookie = request.cookies[SESSION_COOKIE]
    const principal = await authenticateRequest(app, request)
    if (!principal)
      throw new UnauthorizedError(token || cookie ? 'The token or session is invalid, expired or revoked.' : undefined)
    if (!token) refuseCrossOrigin(request)
    requireAbility(principal, ability)
    request.principal = principal
  })
}
