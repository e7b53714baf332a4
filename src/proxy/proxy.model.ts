import type { TlsMode } from '../db/schema.js'
import type { MiddlewareType, StoredMiddlewareConfig } from './middleware-config.js'

export type { TlsMode }
/**
 * How a domain is served: `none` over HTTP only; `acme` with a certificate from the ACME resolver
 * (Let's Encrypt, which needs the instance's ACME e-mail); `internal` with the proxy's own
 * certificate (Caddy's local CA, Traefik's default certificate), for hosts that are not public.
 */
export const TLS_MODES = ['none', 'acme', 'internal'] as const satisfies readonly TlsMode[]

/** The routing of one project as the renderers take it: plain data, loaded by proxy.repo.ts. */
export type ProjectRouting = {
  projectId: string
  projectName: string
  domains: DomainModel[]
  middlewares: MiddlewareModel[]
}

export type DomainModel = {
  id: string
  fullDomain: string
  tlsMode: TlsMode
  certResolver: string | null
  active: boolean
  routes: RouteModel[]
}

export type RouteTarget =
  | { type: 'service'; serviceId: string; composeService: string; port: number }
  | { type: 'url'; url: string }

export type HealthCheck = {
  path: string
  interval?: string
  timeout?: string
  scheme?: 'http' | 'https'
  port?: number
  hostname?: string
}

export type RouteModel = {
  id: string
  target: RouteTarget
  path: string
  pathMatch: 'prefix' | 'exact'
  priority: number | null
  middlewareIds: string[]
  healthCheck: HealthCheck | null
  active: boolean
}

export type MiddlewareModel = { id: string; name: string; type: MiddlewareType; config: StoredMiddlewareConfig }

/** The Docker network the proxy containers sit on (Berth reaches their APIs through it); no user container joins it. */
export const PROXY_NETWORK = 'berth'

/**
 * The network a project's routed services share with the proxies and with nothing else: one per
 * project, so a container of one team cannot reach another team's services around the proxy.
 */
export function projectNetwork(projectId: string): string {
  return `berth-project-${projectId}`
}

/** The label (value: the project id) that marks a project network, so a starting proxy finds them all. */
export const PROJECT_NETWORK_LABEL = 'berth.project-network'

/** The label (value `true`) that marks a proxy container: Berth connects those to every project network. */
export const PROXY_LABEL = 'berth.proxy'

/**
 * The name a routed compose service answers to on the shared network. Compose service names
 * repeat across projects ("web"), so the Berth service id qualifies it; Docker's DNS resolves
 * dotted aliases, and each label stays within DNS's 63 characters.
 */
export function upstreamAlias(serviceId: string, composeService: string): string {
  return `${composeService}.${serviceId}`
}

export function targetUrl(target: RouteTarget): string {
  return target.type === 'url'
    ? target.url
    : `http://${upstreamAlias(target.serviceId, target.composeService)}:${target.port}`
}

/** Routes that actually route: active, on an active domain. */
export function liveRoutes(project: ProjectRouting): { domain: DomainModel; route: RouteModel }[] {
  return project.domains
    .filter((d) => d.active)
    .flatMap((domain) => domain.routes.filter((r) => r.active).map((route) => ({ domain, route })))
}

// Names come from stable row ids, so they are unique across projects and survive renames.
export const traefikNames = {
  router: (routeId: string) => `route-${routeId}`,
  httpRouter: (routeId: string) => `route-${routeId}-http`,
  service: (routeId: string) => `route-${routeId}`,
  middleware: (middlewareId: string) => `mw-${middlewareId}`,
  sharedRedirect: 'berth-redirect-https',
}

export const proxyPaths = {
  static: 'static/traefik.yml',
  shared: 'dynamic/berth-shared.yml',
  /** Only while Berth runs Traefik itself (proxy-runtime/): who may read Traefik's API. */
  api: 'dynamic/berth-api.yml',
  project: (projectId: string) => `dynamic/project-${projectId}.yml`,
  caddy: 'caddy/caddy.json',
}
