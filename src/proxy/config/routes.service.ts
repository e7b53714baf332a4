import type { Kysely, Selectable } from 'kysely'
import { parse } from 'yaml'
import type { Actor, AuditService } from '../../audit/audit.service.js'
import { findCurrentVersion } from '../../compose/compose.repo.js'
import { findTeamService } from '../../services/services.repo.js'
import type { DB, ProxyRouteTable } from '../../db/schema.js'
import { newId, nowIso } from '../../db/time.js'
import { NotFoundError, UnprocessableError } from '../../errors.js'
import { commitRoutingChange, type RoutingChange, type RoutingDeps } from './proxy.mutate.js'
import { findTeamDomain, findTeamRoute, routeMiddlewareIds } from '../proxy.repo.js'
import type { HealthCheck, RouteInput, RoutePatch } from '../proxy.schemas.js'

type RouteRow = Selectable<ProxyRouteTable>
type Target = RouteInput['target']

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Middleware names (or ids) to ids, all of the route's own project: a route may only name middlewares that exist. */
async function resolveMiddlewares(trx: Kysely<DB>, projectId: string, refs: string[]): Promise<string[]> {
  const rows = await trx
    .selectFrom('proxy_middlewares')
    .select(['id', 'name'])
    .where('project_id', '=', projectId)
    .execute()
  return refs.map((ref) => {
    const found = rows.find((r) => (UUID.test(ref) ? r.id === ref.toLowerCase() : r.name === ref))
    if (!found)
      throw new UnprocessableError('unknown_middleware', `The middleware "${ref}" does not exist in this project.`, {
        middleware: ref,
      })
    return found.id
  })
}

/** A service target must be a service of the same project whose current compose file has that compose service. */
async function checkTarget(trx: Kysely<DB>, teamId: string, projectId: string, target: Target): Promise<void> {
  if (!('service' in target)) return
  const service = await findTeamService(trx, teamId, target.service).catch((error: unknown) => {
    // Only "not found" is the caller's mistake; anything else is a real failure and goes on up.
    if (error instanceof NotFoundError)
      throw new UnprocessableError('unknown_target', `The service ${target.service} does not exist in this team.`)
    throw error
  })
  if (service.project_id !== projectId)
    throw new UnprocessableError(
      'target_outside_project',
      `The service ${target.service} belongs to another project than the domain.`,
    )
  const current = await findCurrentVersion(trx, teamId, target.service)
  const services = (parse(current.rendered_yaml) as { services?: Record<string, unknown> } | null)?.services ?? {}
  if (!(target.compose_service in services)) {
    throw new UnprocessableError(
      'unknown_compose_service',
      `The compose file of service ${target.service} has no service "${target.compose_service}".`,
      { known: Object.keys(services) },
    )
  }
}

function targetColumns(target: Target) {
  return 'service' in target
    ? {
        target_type: 'service' as const,
        service_id: target.service,
        compose_service: target.compose_service,
        port: target.port,
        url: null,
      }
    : {
        target_type: 'url' as const,
        service_id: null,
        compose_service: null,
        port: null,
        url: target.url.replace(/\/$/, ''),
      }
}

async function writeMiddlewareLinks(trx: Kysely<DB>, routeId: string, ids: string[]) {
  await trx.deleteFrom('proxy_route_middlewares').where('route_id', '=', routeId).execute()
  if (ids.length > 0)
    await trx
      .insertInto('proxy_route_middlewares')
      .values(ids.map((middleware_id, position) => ({ route_id: routeId, position, middleware_id })))
      .execute()
}

export type RouteWithMiddlewares = RouteRow & { middleware_ids: string[] }

export function routeView(r: RouteWithMiddlewares) {
  return {
    id: r.id,
    domain_id: r.domain_id,
    target:
      r.target_type === 'url'
        ? { url: r.url! }
        : { service: r.service_id!, compose_service: r.compose_service!, port: r.port! },
    path: r.path,
    path_match: r.path_match,
    priority: r.priority,
    middlewares: r.middleware_ids,
    health_check: r.health_check === null ? null : (JSON.parse(r.health_check) as HealthCheck),
    active: r.active === 1,
    created_at: r.created_at,
    updated_at: r.updated_at,
  }
}

/** Queues, in the route change's transaction, the connection of a running service's routed containers to the proxy network. */
export type AttachRouted = (trx: Kysely<DB>, teamId: string, serviceId: string, actor: Actor) => Promise<void>

/**
 * The route changes as transaction steps (audit row included), shared by the service and the
 * preview (which attaches nothing: its transaction is rolled back).
 */
export function routeOps(audit: Pick<AuditService, 'record'>, attachRouted?: AttachRouted) {
  const attach = async (trx: Kysely<DB>, teamId: string, row: RouteRow, actor: Actor) => {
    if (attachRouted && row.target_type === 'service' && row.active === 1)
      await attachRouted(trx, teamId, row.service_id!, actor)
  }
  const record = (trx: Kysely<DB>, actor: Actor, action: string, id: string, details: Record<string, unknown>) =>
    audit.record(trx, actor, { action, resourceType: 'route', resourceId: id, details })
  return {
    async create(
      trx: Kysely<DB>,
      teamId: string,
      domainId: string,
      input: RouteInput,
      actor: Actor,
    ): Promise<RoutingChange<RouteWithMiddlewares>> {
      const domain = await findTeamDomain(trx, teamId, domainId)
      await checkTarget(trx, teamId, domain.project_id, input.target)
      const middlewareIds = await resolveMiddlewares(trx, domain.project_id, input.middlewares)
      const now = nowIso()
      const row: RouteRow = {
        id: newId(),
        domain_id: domainId,
        ...targetColumns(input.target),
        path: input.path,
        path_match: input.path_match,
        priority: input.priority,
        health_check: input.health_check === null ? null : JSON.stringify(input.health_check),
        active: input.active ? 1 : 0,
        created_at: now,
        updated_at: now,
      }
      await trx.insertInto('proxy_routes').values(row).execute()
      await writeMiddlewareLinks(trx, row.id, middlewareIds)
      await record(trx, actor, 'route.created', row.id, {
        domain: domain.full_domain,
        path: row.path,
        target: 'url' in input.target ? 'url' : 'service',
      })
      await attach(trx, teamId, row, actor)
      return {
        projectId: domain.project_id,
        routeId: row.id,
        value: { ...row, middleware_ids: middlewareIds },
        event: { type: 'route.changed', teamId, projectId: domain.project_id, routeId: row.id },
      }
    },

    async update(
      trx: Kysely<DB>,
      teamId: string,
      routeId: string,
      patch: RoutePatch,
      actor: Actor,
    ): Promise<RoutingChange<RouteWithMiddlewares>> {
      const { project_id: projectId, ...before } = await findTeamRoute(trx, teamId, routeId)
      if (patch.target) await checkTarget(trx, teamId, projectId, patch.target)
      const middlewareIds = patch.middlewares
        ? await resolveMiddlewares(trx, projectId, patch.middlewares)
        : await routeMiddlewareIds(trx, routeId)
      const after: RouteRow = {
        ...before,
        ...(patch.target && targetColumns(patch.target)),
        ...(patch.path !== undefined && { path: patch.path }),
        ...(patch.path_match !== undefined && { path_match: patch.path_match }),
        ...(patch.priority !== undefined && { priority: patch.priority }),
        ...(patch.health_check !== undefined && {
          health_check: patch.health_check === null ? null : JSON.stringify(patch.health_check),
        }),
        ...(patch.active !== undefined && { active: patch.active ? 1 : 0 }),
        updated_at: nowIso(),
      }
      const { id: _id, domain_id: _d, created_at: _c, ...changes } = after
      await trx.updateTable('proxy_routes').set(changes).where('id', '=', routeId).execute()
      if (patch.middlewares) await writeMiddlewareLinks(trx, routeId, middlewareIds)
      await record(trx, actor, 'route.updated', routeId, { changed: Object.keys(patch) })
      if (patch.target || patch.active !== undefined) await attach(trx, teamId, after, actor)
      return {
        projectId,
        routeId,
        value: { ...after, middleware_ids: middlewareIds },
        event: { type: 'route.changed', teamId, projectId, routeId },
      }
    },

    async remove(trx: Kysely<DB>, teamId: string, routeId: string, actor: Actor): Promise<RoutingChange<null>> {
      const route = await findTeamRoute(trx, teamId, routeId)
      await trx.deleteFrom('proxy_routes').where('id', '=', routeId).execute()
      await record(trx, actor, 'route.deleted', routeId, { domain_id: route.domain_id, path: route.path })
      return {
        projectId: route.project_id,
        routeId,
        value: null,
        event: { type: 'route.changed', teamId, projectId: route.project_id, routeId },
      }
    },
  }
}

export type RoutesService = ReturnType<typeof createRoutesService>

export function createRoutesService(deps: RoutingDeps & { attachRouted: AttachRouted }) {
  const { db } = deps
  const ops = routeOps(deps.audit, deps.attachRouted)

  async function list(teamId: string, domainId: string): Promise<RouteWithMiddlewares[]> {
    await findTeamDomain(db, teamId, domainId)
    const routes = await db
      .selectFrom('proxy_routes')
      .selectAll()
      .where('domain_id', '=', domainId)
      .orderBy('created_at')
      .orderBy('id')
      .execute()
    return Promise.all(routes.map(async (r) => ({ ...r, middleware_ids: await routeMiddlewareIds(db, r.id) })))
  }

  return {
    list,
    create: (teamId: string, domainId: string, input: RouteInput, actor: Actor) =>
      commitRoutingChange(deps, (trx) => ops.create(trx, teamId, domainId, input, actor)),
    update: (teamId: string, routeId: string, patch: RoutePatch, actor: Actor) =>
      commitRoutingChange(deps, (trx) => ops.update(trx, teamId, routeId, patch, actor)),
    remove: (teamId: string, routeId: string, actor: Actor) =>
      commitRoutingChange(deps, (trx) => ops.remove(trx, teamId, routeId, actor)),
  }
}
