import type { Kysely, Selectable } from 'kysely'
import type { Actor, AuditService } from '../../audit/audit.service.js'
import type { DB, ProxyMiddlewareTable } from '../../db/schema.js'
import { newId, nowIso } from '../../db/time.js'
import { ConflictError, UnprocessableError } from '../../errors.js'
import { findTeamProject } from '../../projects/projects.repo.js'
import {
  prepareMiddlewareConfig,
  publicMiddlewareConfig,
  type MiddlewareType,
  type StoredMiddlewareConfig,
} from '../middleware-config.js'
import { commitRoutingChange, type RoutingChange, type RoutingDeps } from './proxy.mutate.js'
import { findTeamMiddleware } from '../proxy.repo.js'
import type { MiddlewareInput, MiddlewarePatch } from '../proxy.schemas.js'

type MiddlewareRow = Selectable<ProxyMiddlewareTable>

async function assertNameFree(db: Kysely<DB>, projectId: string, name: string, exceptId?: string) {
  let q = db.selectFrom('proxy_middlewares').select('id').where('project_id', '=', projectId).where('name', '=', name)
  if (exceptId) q = q.where('id', '!=', exceptId)
  if (await q.executeTakeFirst())
    throw new ConflictError('name_taken', `A middleware named "${name}" already exists in this project.`)
}

async function prepared(
  type: MiddlewareType,
  config: unknown,
  previous?: StoredMiddlewareConfig,
): Promise<StoredMiddlewareConfig> {
  const result = await prepareMiddlewareConfig(type, config, previous)
  if (!result.ok) {
    const first = result.problems[0]!
    // Problems name fields only, never values: a rejected basic-auth password stays out of the reply.
    throw new UnprocessableError(
      'invalid_middleware_config',
      `The ${type} configuration is not valid: ${first.path}: ${first.message}.`,
      { issues: result.problems },
    )
  }
  return result.config
}

/** The API view: basic-auth users by name, never a password or hash. */
export function middlewareView(m: MiddlewareRow) {
  return {
    id: m.id,
    project_uuid: m.project_id,
    name: m.name,
    type: m.type as MiddlewareType,
    config: publicMiddlewareConfig(m.type, JSON.parse(m.config) as StoredMiddlewareConfig),
    created_at: m.created_at,
    updated_at: m.updated_at,
  }
}

/** The middleware changes as transaction steps (audit row included), shared by the service and the preview. */
export function middlewareOps(audit: Pick<AuditService, 'record'>) {
  const record = (trx: Kysely<DB>, actor: Actor, action: string, id: string, details: Record<string, unknown>) =>
    audit.record(trx, actor, { action, resourceType: 'middleware', resourceId: id, details })
  return {
    async create(
      trx: Kysely<DB>,
      teamId: string,
      projectId: string,
      input: MiddlewareInput,
      actor: Actor,
    ): Promise<RoutingChange<MiddlewareRow>> {
      await findTeamProject(trx, teamId, projectId)
      await assertNameFree(trx, projectId, input.name)
      const config = await prepared(input.type, input.config)
      const now = nowIso()
      const row: MiddlewareRow = {
        id: newId(),
        project_id: projectId,
        name: input.name,
        type: input.type,
        config: JSON.stringify(config),
        created_at: now,
        updated_at: now,
      }
      await trx.insertInto('proxy_middlewares').values(row).execute()
      await record(trx, actor, 'middleware.created', row.id, { name: row.name, type: row.type, project_id: projectId })
      return { projectId, value: row, event: { type: 'middleware.changed', teamId, projectId, middlewareId: row.id } }
    },

    async update(
      trx: Kysely<DB>,
      teamId: string,
      middlewareId: string,
      patch: MiddlewarePatch,
      actor: Actor,
    ): Promise<RoutingChange<MiddlewareRow>> {
      const before = await findTeamMiddleware(trx, teamId, middlewareId)
      if (patch.name !== undefined) await assertNameFree(trx, before.project_id, patch.name, middlewareId)
      const config =
        patch.config === undefined
          ? before.config
          : JSON.stringify(
              await prepared(
                before.type as MiddlewareType,
                patch.config,
                JSON.parse(before.config) as StoredMiddlewareConfig,
              ),
            )
      const after: MiddlewareRow = { ...before, name: patch.name ?? before.name, config, updated_at: nowIso() }
      await trx
        .updateTable('proxy_middlewares')
        .set({ name: after.name, config: after.config, updated_at: after.updated_at })
        .where('id', '=', middlewareId)
        .execute()
      await record(trx, actor, 'middleware.updated', middlewareId, {
        name: after.name,
        type: after.type,
        changed: Object.keys(patch),
      })
      return {
        projectId: before.project_id,
        value: after,
        event: { type: 'middleware.changed', teamId, projectId: before.project_id, middlewareId },
      }
    },

    async remove(trx: Kysely<DB>, teamId: string, middlewareId: string, actor: Actor): Promise<RoutingChange<null>> {
      const before = await findTeamMiddleware(trx, teamId, middlewareId)
      const users = await trx
        .selectFrom('proxy_route_middlewares')
        .select('route_id')
        .where('middleware_id', '=', middlewareId)
        .execute()
      if (users.length > 0) {
        throw new ConflictError(
          'middleware_in_use',
          `The middleware "${before.name}" is used by ${users.length} route(s); remove it from them first.`,
          { routes: [...new Set(users.map((u) => u.route_id))] },
        )
      }
      await trx.deleteFrom('proxy_middlewares').where('id', '=', middlewareId).execute()
      await record(trx, actor, 'middleware.deleted', middlewareId, { name: before.name, type: before.type })
      return {
        projectId: before.project_id,
        value: null,
        event: { type: 'middleware.changed', teamId, projectId: before.project_id, middlewareId },
      }
    },
  }
}

export type MiddlewaresService = ReturnType<typeof createMiddlewaresService>

export function createMiddlewaresService(deps: RoutingDeps) {
  const { db } = deps
  const ops = middlewareOps(deps.audit)
  return {
    async list(teamId: string, projectId: string) {
      await findTeamProject(db, teamId, projectId)
      return db
        .selectFrom('proxy_middlewares')
        .selectAll()
        .where('project_id', '=', projectId)
        .orderBy('name')
        .execute()
    },
    create: (teamId: string, projectId: string, input: MiddlewareInput, actor: Actor) =>
      commitRoutingChange(deps, (trx) => ops.create(trx, teamId, projectId, input, actor)),
    update: (teamId: string, id: string, patch: MiddlewarePatch, actor: Actor) =>
      commitRoutingChange(deps, (trx) => ops.update(trx, teamId, id, patch, actor)),
    remove: (teamId: string, id: string, actor: Actor) =>
      commitRoutingChange(deps, (trx) => ops.remove(trx, teamId, id, actor)),
  }
}
