import type { Kysely } from 'kysely'
import type { DB } from '../../db/schema.js'
import { UnprocessableError } from '../../errors.js'
import { readSettings } from '../../settings/settings.service.js'
import { declaredCertResolvers, type Settings } from '../../settings/settings.types.js'
import { buildCaddyRoutes } from '../caddy/caddy.render.js'
import { proxyPaths, type ProjectRouting } from '../proxy.model.js'
import { loadAllRouting, loadProjectRouting, loadRouteRouting } from '../proxy.repo.js'
import { buildSharedMiddlewares, buildTraefikDynamic } from '../traefik/traefik.render.js'
import { validateTraefikDynamic, type RenderIssue, type TraefikContext } from '../traefik/traefik.validate.js'

export function traefikContext(settings: Settings): TraefikContext {
  const shared = buildSharedMiddlewares() as { http: { middlewares: Record<string, unknown> } }
  return {
    externalMiddlewares: new Set(Object.keys(shared.http.middlewares)),
    entryPoints: new Set(['web', 'websecure']),
    certResolvers: new Set(declaredCertResolvers(settings)),
  }
}

/** Every reason the project's routing cannot be rendered for the configured proxy; empty when it can. */
export function routingIssues(project: ProjectRouting, settings: Settings): RenderIssue[] {
  if (settings.proxy === 'caddy') return buildCaddyRoutes(project, proxyPaths.caddy).issues
  const file = proxyPaths.project(project.projectId)
  const doc = buildTraefikDynamic(project, { settings })
  return doc ? validateTraefikDynamic(file, doc, traefikContext(settings)) : []
}

function reject(issues: RenderIssue[]): never {
  const first = issues[0]!
  throw new UnprocessableError(
    'invalid_proxy_config',
    `This change would produce an invalid proxy configuration: ${first.file}: ${first.path}: ${first.message}.`,
    { issues },
  )
}

async function assertRenders(trx: Kysely<DB>, routing: ProjectRouting | null): Promise<void> {
  if (!routing) return
  const issues = routingIssues(routing, await readSettings(trx))
  if (issues.length > 0) reject(issues)
}

/**
 * Renders the project as it stands inside the transaction and throws 422 when the result would be
 * invalid, so the change rolls back and the files on disk are never asked to take it.
 */
export async function assertProjectRenders(trx: Kysely<DB>, projectId: string): Promise<void> {
  await assertRenders(trx, await loadProjectRouting(trx, projectId))
}

/**
 * The same check for a change to one route only, rendering that route alone: every issue either
 * renderer reports belongs to one route (its rule, target, entry points, TLS and the middlewares it
 * names), and a route renders from its own row, its domain and those middlewares, so the project's
 * other routes render as they did. Loading and rendering one route instead of the whole project
 * made a route change about twice as cheap with 100 routes in the project (docs/design.md).
 */
export async function assertRouteRenders(trx: Kysely<DB>, routeId: string): Promise<void> {
  await assertRenders(trx, await loadRouteRouting(trx, routeId))
}

/** The same check over every project, for changes that affect them all (instance settings). */
export async function assertAllRender(trx: Kysely<DB>, settings: Settings): Promise<void> {
  const issues = (await loadAllRouting(trx)).flatMap((p) => routingIssues(p, settings))
  if (issues.length > 0) reject(issues)
}
