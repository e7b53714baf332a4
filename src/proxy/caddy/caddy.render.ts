import type { Settings } from '../../settings/settings.types.js'
import type { StoredBasicAuth } from '../middleware-config.js'
import type { DomainModel, MiddlewareModel, ProjectRouting, RouteModel } from '../proxy.model.js'
import { liveRoutes, targetUrl } from '../proxy.model.js'
import type { RenderIssue } from '../traefik/traefik.validate.js'

type Json = Record<string, unknown>
type Handler = Json

// Caddy evaluates routes in order, Traefik by priority (default: the rule's length). Sorting the
// same way keeps both proxies choosing the same route for a request.
function sortKey(domain: DomainModel, route: RouteModel): [number, number, string] {
  return [route.priority ?? 0, domain.fullDomain.length + route.path.length, route.id]
}

function compare(a: [number, number, string], b: [number, number, string]): number {
  return b[0] - a[0] || b[1] - a[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0)
}

function redirectTo(scheme: string, port: string | undefined, permanent: boolean | undefined, when: string): Handler {
  const location = `${scheme}://{http.request.host}${port ? `:${port}` : ''}{http.request.uri}`
  return {
    handler: 'subroute',
    routes: [
      {
        match: [{ protocol: when }],
        handle: [{ handler: 'static_response', status_code: permanent ? 308 : 307, headers: { Location: [location] } }],
      },
    ],
  }
}

/**
 * A user's text as a literal for fields Caddy runs placeholders in (header values): "{env.X}" or
 * "{file./path}" would otherwise be replaced by Caddy's environment or a file's content. Caddy
 * takes "\{" and "\}" as literal braces.
 */
function literal(value: string): string {
  return value.replace(/[{}]/g, (brace) => `\\${brace}`)
}

/** One middleware as Caddy handlers, or the reason it cannot be expressed in Caddy. */
function caddyHandler(m: MiddlewareModel): Handler | string {
  const c = m.config as Record<string, any>
  switch (m.type) {
    case 'redirect-scheme':
      return redirectTo(c.scheme, c.port, c.permanent, c.scheme === 'https' ? 'http' : 'https')
    case 'basic-auth': {
      const b = c as StoredBasicAuth
      // Caddy 2.6 reads the hash base64-encoded; later versions accept that form too.
      const accounts = b.users.map((u) => ({ username: u.username, password: Buffer.from(u.hash).toString('base64') }))
      return {
        handler: 'authentication',
        providers: { http_basic: { accounts, hash: { algorithm: 'bcrypt' }, ...(b.realm && { realm: b.realm }) } },
      }
    }
    case 'headers': {
      const unsupported = Object.keys(c).filter((k) => k.startsWith('accessControl') || k === 'stsPreload')
      if (unsupported.length > 0)
        return `the headers options ${unsupported.join(', ')} have no Caddy equivalent in Berth`
      const response: Record<string, string[]> = Object.fromEntries(
        Object.entries<string>(c.customResponseHeaders ?? {}).map(([k, v]) => [k, [literal(v)]]),
      )
      if (c.stsSeconds !== undefined)
        response['Strict-Transport-Security'] = [
          `max-age=${c.stsSeconds}${c.stsIncludeSubdomains ? '; includeSubDomains' : ''}`,
        ]
      if (c.frameDeny) response['X-Frame-Options'] = ['DENY']
      if (c.contentTypeNosniff) response['X-Content-Type-Options'] = ['nosniff']
      if (c.browserXssFilter) response['X-XSS-Protection'] = ['1; mode=block']
      if (c.referrerPolicy) response['Referrer-Policy'] = [literal(c.referrerPolicy)]
      if (c.contentSecurityPolicy) response['Content-Security-Policy'] = [literal(c.contentSecurityPolicy)]
      const request: Record<string, string[]> = Object.fromEntries(
        Object.entries<string>(c.customRequestHeaders ?? {}).map(([k, v]) => [k, [literal(v)]]),
      )
      return {
        handler: 'headers',
        ...(Object.keys(request).length > 0 && { request: { set: request } }),
        ...(Object.keys(response).length > 0 && { response: { set: response } }),
      }
    }
    case 'strip-prefix':
      return {
        handler: 'subroute',
        routes: (c.prefixes as string[]).map((p) => ({
          match: [{ path: [`${p}*`] }],
          handle: [{ handler: 'rewrite', strip_path_prefix: p }],
        })),
      }
    case 'add-prefix':
      return { handler: 'rewrite', uri: `${c.prefix}{http.request.uri}` }
    case 'ip-allow-list':
      return {
        handler: 'subroute',
        routes: [
          {
            match: [{ not: [{ remote_ip: { ranges: c.sourceRange } }] }],
            handle: [{ handler: 'static_response', status_code: c.rejectStatusCode ?? 403 }],
          },
        ],
      }
    case 'compress':
      if (c.excludedContentTypes) return 'compress.excludedContentTypes has no Caddy equivalent in Berth'
      return { handler: 'encode', encodings: { gzip: {}, zstd: {} }, minimum_length: c.minResponseBodyBytes ?? 1024 }
    case 'redirect-regex':
      return 'redirect-regex has no Caddy equivalent in Berth (Caddy matches paths, not whole URLs, with regular expressions)'
    case 'rate-limit':
      return "rate-limit needs a Caddy plugin that Debian's caddy does not include"
  }
}

function upstream(route: RouteModel): Json {
  const url = new URL(targetUrl(route.target))
  const port = url.port || (url.protocol === 'https:' ? '443' : '80')
  const hc = route.healthCheck
  return {
    handler: 'reverse_proxy',
    upstreams: [{ dial: `${url.hostname}:${port}` }],
    ...(url.protocol === 'https:' && { transport: { protocol: 'http', tls: {} } }),
    ...(hc && {
      health_checks: {
        active: {
          uri: hc.path,
          interval: hc.interval ?? '30s',
          timeout: hc.timeout ?? '5s',
          ...(hc.port && { port: hc.port }),
        },
      },
    }),
  }
}

function matcher(domain: DomainModel, route: RouteModel): Json {
  const path = route.pathMatch === 'exact' ? [route.path] : route.path === '/' ? undefined : [`${route.path}*`]
  return { host: [domain.fullDomain], ...(path && { path }) }
}

export type CaddyRouteEntry = { key: [number, number, string]; domain: DomainModel; route: Json; tls: boolean }

/** A project's routes as Caddy routes (with their sort keys), plus what could not be expressed. */
export function buildCaddyRoutes(
  project: ProjectRouting,
  file = 'caddy',
): { entries: CaddyRouteEntry[]; issues: RenderIssue[] } {
  const byId = new Map(project.middlewares.map((m) => [m.id, m]))
  const entries: CaddyRouteEntry[] = []
  const issues: RenderIssue[] = []
  for (const { domain, route } of liveRoutes(project)) {
    const handlers: Handler[] = []
    for (const id of route.middlewareIds) {
      const m = byId.get(id)
      const h = m ? caddyHandler(m) : `the middleware ${id} does not exist`
      if (typeof h === 'string')
        issues.push({ file, path: `routes.${route.id}.middlewares.${m?.name ?? id}`, message: h })
      else handlers.push(h)
    }
    handlers.push(upstream(route))
    entries.push({
      key: sortKey(domain, route),
      domain,
      tls: domain.tlsMode !== 'none',
      route: { '@id': `route-${route.id}`, match: [matcher(domain, route)], handle: handlers, terminal: true },
    })
  }
  return { entries, issues }
}

function adminListen(settings: Settings): string {
  return new URL(settings.caddy_admin_url).host
}

/** The whole Caddy configuration (admin listener included, or POST /load would move it). */
export function buildCaddyConfig(
  projects: ProjectRouting[],
  settings: Settings,
): { config: Json; issues: RenderIssue[] } {
  const all = projects.map((p) => buildCaddyRoutes(p))
  const entries = all.flatMap((a) => a.entries).sort((a, b) => compare(a.key, b.key))
  const redirect = settings.http_to_https_redirect
  const httpRoutes = entries.map((e) =>
    e.tls && redirect
      ? {
          match: [{ host: [e.domain.fullDomain] }],
          handle: [
            {
              handler: 'static_response',
              status_code: 308,
              headers: { Location: ['https://{http.request.host}{http.request.uri}'] },
            },
          ],
          terminal: true,
        }
      : e.route,
  )
  const httpsRoutes = entries.filter((e) => e.tls).map((e) => e.route)
  const servers: Json = {
    berth_http: { listen: [settings.caddy_http_listen], routes: httpRoutes, automatic_https: { disable: true } },
  }
  if (httpsRoutes.length > 0)
    servers.berth_https = {
      listen: [settings.caddy_https_listen],
      routes: httpsRoutes,
      automatic_https: { disable_redirects: true },
    }
  const internalHosts = [
    ...new Set(entries.filter((e) => e.domain.tlsMode === 'internal').map((e) => e.domain.fullDomain)),
  ].sort()
  // Caddy takes the first policy whose subjects match a host; the ACME one has none, so it catches the rest.
  const policies: Json[] = []
  if (internalHosts.length > 0) policies.push({ subjects: internalHosts, issuers: [{ module: 'internal' }] })
  if (settings.letsencrypt_email) policies.push({ issuers: [{ module: 'acme', email: settings.letsencrypt_email }] })
  const apps: Json = { http: { servers } }
  if (policies.length > 0) apps.tls = { automation: { policies } }
  // Caddy would try to add its local CA to the trust store of the machine (or container) it runs
  // on; the clients of a proxy are elsewhere, so that only fails noisily.
  if (internalHosts.length > 0) apps.pki = { certificate_authorities: { local: { install_trust: false } } }
  return {
    config: { admin: { listen: adminListen(settings) }, apps },
    issues: all.flatMap((a) => a.issues),
  }
}

/** JSON with sorted keys, so the same configuration always has the same checksum. */
export function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Json)[k])]),
          )
        : v
  return `${JSON.stringify(sort(value), null, 2)}\n`
}
