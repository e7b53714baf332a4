import type { Kysely, Selectable } from 'kysely'
import type { DB, ProxyDomainTable, ProxyMiddlewareTable, ProxyRouteTable } from '../db/schema.js'
import { preparedQuery } from '../db/prepared.js'
import { NotFoundError } from '../errors.js'
import type { MiddlewareType } from './middleware-config.js'
import type { HealthCheck, ProjectRouting, RouteModel } from './proxy.model.js'

// What rendering needs of each row, and no more: making row objects is most of what loading a
// project's routing costs (100 domains of every column took about twice as long as these).
const DOMAIN_COLUMNS = ['id', 'project_id', 'full_domain', 'tls_mode', 'cert_resolver', 'active'] as const
const ROUTE_COLUMNS = [
  'id',
  'domain_id',
  'target_type',
  'service_id',
  'compose_service',
  'port',
  'url',
  'path',
  'path_match',
  'priority',
  'health_check',
  'active',
] as const
const MIDDLEWARE_COLUMNS = ['id', 'project_id', 'name', 'type', 'config'] as const
type DomainRow = Pick<Selectable<ProxyDomainTable>, (typeof DOMAIN_COLUMNS)[number]>
type RouteRow = Pick<Selectable<ProxyRouteTable>, (typeof ROUTE_COLUMNS)[number]>
type MiddlewareRow = Pick<Selectable<ProxyMiddlewareTable>, (typeof MIDDLEWARE_COLUMNS)[number]>
type LinkRow = { route_id: string; position: number; middleware_id: string }

export function routeModel(r: RouteRow, middlewareIds: string[]): RouteModel {
  return {
    id: r.id,
    target:
      r.target_type === 'url'
        ? { type: 'url', url: r.url! }
        : { type: 'service', serviceId: r.service_id!, composeService: r.compose_service!, port: r.port! },
    path: r.path,
    pathMatch: r.path_match,
    priority: r.priority,
    middlewareIds,
    healthCheck: r.health_check === null ? null : (JSON.parse(r.health_check) as HealthCheck),
    active: r.active === 1,
  }
}

function assemble(
  projects: { id: string; name: string }[],
  domains: DomainRow[],
  routes: RouteRow[],
  links: LinkRow[],
  middlewares: MiddlewareRow[],
): ProjectRouting[] {
  const linksByRoute = new Map<string, LinkRow[]>()
  for (const l of links) {
    const list = linksByRoute.get(l.route_id)
    if (list) list.push(l)
    else linksByRoute.set(l.route_id, [l])
  }
  const routesByDomain = new Map<string, RouteModel[]>()
  for (const r of routes) {
    const ids = (linksByRoute.get(r.id) ?? []).sort((a, b) => a.position - b.position).map((l) => l.middleware_id)
    const list = routesByDomain.get(r.domain_id)
    if (list) list.push(routeModel(r, ids))
    else routesByDomain.set(r.domain_id, [routeModel(r, ids)])
  }
  const byProject = new Map(
    projects.map((p) => [
      p.id,
      { projectId: p.id, projectName: p.name, domains: [], middlewares: [] } as ProjectRouting,
    ]),
  )
  for (const d of domains) {
    byProject.get(d.project_id)?.domains.push({
      id: d.id,
      fullDomain: d.full_domain,
      tlsMode: d.tls_mode,
      certResolver: d.cert_resolver,
      active: d.active === 1,
      routes: routesByDomain.get(d.id) ?? [],
    })
  }
  for (const m of middlewares) {
    byProject.get(m.project_id)?.middlewares.push({
      id: m.id,
      name: m.name,
      type: m.type as MiddlewareType,
      config: JSON.parse(m.config) as Record<string, unknown>,
    })
  }
  return [...byProject.values()]
}

// One project's routing is loaded before every route change commits (to validate what it renders)
// and again by the sync after it: compiled once.
const selectProjectName = preparedQuery((db, projectId: string) =>
  db.selectFrom('projects').select(['id', 'name']).where('id', '=', projectId),
)
const selectProjectDomains = preparedQuery((db, projectId: string) =>
  db.selectFrom('proxy_domains').select(DOMAIN_COLUMNS).where('project_id', '=', projectId).orderBy('id'),
)
const selectProjectRoutes = preparedQuery((db, projectId: string) =>
  db
    .selectFrom('proxy_routes')
    .innerJoin('proxy_domains', 'proxy_domains.id', 'proxy_routes.domain_id')
    .select(ROUTE_COLUMNS.map((c) => `proxy_routes.${c}` as const))
    .where('proxy_domains.project_id', '=', projectId)
    .orderBy('proxy_routes.id'),
)
const selectProjectLinks = preparedQuery((db, projectId: string) =>
  db
    .selectFrom('proxy_route_middlewares')
    .innerJoin('proxy_routes', 'proxy_routes.id', 'proxy_route_middlewares.route_id')
    .innerJoin('proxy_domains', 'proxy_domains.id', 'proxy_routes.domain_id')
    .select([
      'proxy_route_middlewares.route_id',
      'proxy_route_middlewares.position',
      'proxy_route_middlewares.middleware_id',
    ])
    .where('proxy_domains.project_id', '=', projectId),
)
const selectProjectMiddlewares = preparedQuery((db, projectId: string) =>
  db.selectFrom('proxy_middlewares').select(MIDDLEWARE_COLUMNS).where('project_id', '=', projectId).orderBy('id'),
)

/** One project's routing, or null if the project no longer exists. Works inside a transaction. */
export async function loadProjectRouting(db: Kysely<DB>, projectId: string): Promise<ProjectRouting | null> {
  const project = (await selectProjectName(db, projectId)).rows[0]
  if (!project) return null
  const domains = (await selectProjectDomains(db, projectId)).rows
  const routes = (await selectProjectRoutes(db, projectId)).rows
  const links = (await selectProjectLinks(db, projectId)).rows
  const middlewares = (await selectProjectMiddlewares(db, projectId)).rows
  return assemble([project], domains, routes, links, middlewares)[0]!
}

const selectRoute = preparedQuery((db, routeId: string) =>
  db.selectFrom('proxy_routes').select(ROUTE_COLUMNS).where('id', '=', routeId),
)
const selectDomain = preparedQuery((db, domainId: string) =>
  db.selectFrom('proxy_domains').select(DOMAIN_COLUMNS).where('id', '=', domainId),
)
const selectRouteLinks = preparedQuery((db, routeId: string) =>
  db
    .selectFrom('proxy_route_middlewares')
    .select(['route_id', 'position', 'middleware_id'])
    .where('route_id', '=', routeId),
)

/**
 * One route's routing alone: its project holding only its domain, that domain holding only this
 * route, and the project's middlewares. Null if the route no longer exists. Works inside a transaction.
 */
export async function loadRouteRouting(db: Kysely<DB>, routeId: string): Promise<ProjectRouting | null> {
  const route = (await selectRoute(db, routeId)).rows[0]
  if (!route) return null
  const domain = (await selectDomain(db, route.domain_id)).rows[0]!
  const project = (await selectProjectName(db, domain.project_id)).rows[0]!
  const links = (await selectRouteLinks(db, routeId)).rows
  const middlewares = (await selectProjectMiddlewares(db, domain.project_id)).rows
  return assemble([project], [domain], [route], links, middlewares)[0]!
}

/** Every project that has at least one domain: the input of a full sync. */
export async function loadAllRouting(db: Kysely<DB>): Promise<ProjectRouting[]> {
  const domains = await db.selectFrom('proxy_domains').select(DOMAIN_COLUMNS).orderBy('id').execute()
  const projectIds = [...new Set(domains.map((d) => d.project_id))]
  if (projectIds.length === 0) return []
  const projects = await db
    .selectFrom('projects')
    .select(['id', 'name'])
    .where('id', 'in', projectIds)
    .orderBy('id')
    .execute()
  const routes = await db.selectFrom('proxy_routes').select(ROUTE_COLUMNS).orderBy('id').execute()
  const links = await db
    .selectFrom('proxy_route_middlewares')
    .select(['route_id', 'position', 'middleware_id'])
    .execute()
  const middlewares = await db
    .selectFrom('proxy_middlewares')
    .select(MIDDLEWARE_COLUMNS)
    .where('project_id', 'in', projectIds)
    .orderBy('id')
    .execute()
  return assemble(projects, domains, routes, links, middlewares)
}

/** A domain of the caller's team; any other is "not found" so its existence does not leak. */
export async function findTeamDomain(db: Kysely<DB>, teamId: string, domainId: string) {
  const row = await db
    .selectFrom('proxy_domains')
    .innerJoin('projects', 'projects.id', 'proxy_domains.project_id')
    .selectAll('proxy_domains')
    .where('proxy_domains.id', '=', domainId)
    .where('projects.team_id', '=', teamId)
    .executeTakeFirst()
  if (!row) throw new NotFoundError(`Domain ${domainId} was not found.`)
  return row
}

export async function findTeamRoute(db: Kysely<DB>, teamId: string, routeId: string) {
  const row = await db
    .selectFrom('proxy_routes')
    .innerJoin('proxy_domains', 'proxy_domains.id', 'proxy_routes.domain_id')
    .innerJoin('projects', 'projects.id', 'proxy_domains.project_id')
    .selectAll('proxy_routes')
    .select('proxy_domains.project_id')
    .where('proxy_routes.id', '=', routeId)
    .where('projects.team_id', '=', teamId)
    .executeTakeFirst()
  if (!row) throw new NotFoundError(`Route ${routeId} was not found.`)
  return row
}

export async function findTeamMiddleware(db: Kysely<DB>, teamId: string, middlewareId: string) {
  const row = await db
    .selectFrom('proxy_middlewares')
    .innerJoin('projects', 'projects.id', 'proxy_middlewares.project_id')
    .selectAll('proxy_middlewares')
    .where('proxy_middlewares.id', '=', middlewareId)
    .where('projects.team_id', '=', teamId)
    .executeTakeFirst()
  if (!row) throw new NotFoundError(`Middleware ${middlewareId} was not found.`)
  return row
}

export async function routeMiddlewareIds(db: Kysely<DB>, routeId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('proxy_route_middlewares')
    .select('middleware_id')
    .where('route_id', '=', routeId)
    .orderBy('position')
    .execute()
  return rows.map((r) => r.middleware_id)
}

/** Every active domain served over TLS, with its team and project: the certificate-expiry check reads these. */
export async function listTlsDomains(db: Kysely<DB>) {
  return db
    .selectFrom('proxy_domains')
    .innerJoin('projects', 'projects.id', 'proxy_domains.project_id')
    .select(['proxy_domains.id', 'proxy_domains.full_domain', 'proxy_domains.project_id', 'projects.team_id'])
    .where('proxy_domains.tls_mode', '!=', 'none')
    .where('proxy_domains.active', '=', 1)
    .orderBy('proxy_domains.full_domain')
    .execute()
}
