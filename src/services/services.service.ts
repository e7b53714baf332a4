import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { Parameter } from '../compose/compose.params.js'
import { findTeamService } from '../compose/compose.repo.js'
import { restoreParameters } from '../compose/parameters.service.js'
import { prepareVersion, writeVersion } from '../compose/versioning.js'
import type { DB } from '../db/schema.js'
import type { DeploymentsService } from '../deployments/deployments.service.js'
import { findTeamResource } from '../deployments/resources.js'
import type { EventBus } from '../events/event-bus.js'
import { newId, nowIso } from '../db/time.js'
import { BadRequestError, ConflictError } from '../errors.js'
import { findTeamProject } from '../projects/projects.service.js'

/** Service names become Compose project names and DNS labels, so they follow RFC 1123 label rules. */
export const SERVICE_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  events: Pick<EventBus, 'publish'>
  deployments: Pick<DeploymentsService, 'queueRemovalIfDeployed'>
}

export type CreateServiceInput = {
  name: string
  compose: string
  description?: string
  versionDescription?: string
  parameters?: Parameter[]
}
export type ServicesService = ReturnType<typeof createServicesService>

function assertServiceName(name: string) {
  if (!SERVICE_NAME_PATTERN.test(name)) {
    throw new BadRequestError(
      'invalid_name',
      `"${name}" is not a valid service name: use 1 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit.`,
    )
  }
}

async function assertNameFree(db: Kysely<DB>, projectId: string, name: string, exceptId?: string) {
  let q = db.selectFrom('services').select('id').where('project_id', '=', projectId).where('name', '=', name)
  if (exceptId) q = q.where('id', '!=', exceptId)
  if (await q.executeTakeFirst())
    throw new ConflictError('name_taken', `A service named "${name}" already exists in this project.`)
}

export function createServicesService({ db, audit, events, deployments }: Deps) {
  /** Creates the service and its compose version 1 in one transaction: a service never exists without a valid compose file. */
  async function create(teamId: string, projectId: string, input: CreateServiceInput, actor: Actor) {
    assertServiceName(input.name)
    const prepared = prepareVersion(input.compose, input.parameters ?? [])
    const now = nowIso()
    const service = {
      id: newId(),
      project_id: projectId,
      name: input.name,
      description: input.description ?? '',
      current_version: 1,
      created_at: now,
      updated_at: now,
    }
    await db.transaction().execute(async (trx) => {
      await findTeamProject(trx, teamId, projectId)
      await assertNameFree(trx, projectId, input.name)
      await trx.insertInto('services').values(service).execute()
      await audit.record(trx, actor, {
        action: 'service.created',
        resourceType: 'service',
        resourceId: service.id,
        details: { name: service.name, project_id: projectId },
      })
      await writeVersion(trx, audit, actor, {
        serviceId: service.id,
        baseVersion: 0,
        prepared,
        description: input.versionDescription ?? 'Initial version',
        action: 'compose.created',
      })
      await restoreParameters(trx, service.id, prepared.parameters)
    })
    events.publish({ type: 'compose.changed', teamId, serviceId: service.id, version: 1 })
    return service
  }

  async function listInProject(teamId: string, projectId: string) {
    await findTeamProject(db, teamId, projectId)
    // Standalone databases are services underneath (see databases.service.ts); they are listed on their own.
    return db
      .selectFrom('services')
      .selectAll()
      .where('project_id', '=', projectId)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('databases').select('databases.id').whereRef('databases.id', '=', 'services.id'))),
      )
      .orderBy('name')
      .execute()
  }

  async function update(
    teamId: string,
    serviceId: string,
    input: { name?: string; description?: string },
    actor: Actor,
  ) {
    if (input.name !== undefined) assertServiceName(input.name)
    return db.transaction().execute(async (trx) => {
      const before = await findTeamService(trx, teamId, serviceId)
      if (input.name !== undefined) await assertNameFree(trx, before.project_id, input.name, serviceId)
      const changes = {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.description !== undefined && { description: input.description }),
      }
      const updatedAt = nowIso()
      await trx
        .updateTable('services')
        .set({ ...changes, updated_at: updatedAt })
        .where('id', '=', serviceId)
        .execute()
      await audit.record(trx, actor, {
        action: 'service.updated',
        resourceType: 'service',
        resourceId: serviceId,
        details: { changed: Object.keys(changes) },
      })
      return { ...before, ...changes, updated_at: updatedAt }
    })
  }

  /** Deletes a service; what it runs is taken down by a `remove` deployment, its named volumes only with `deleteVolumes`. */
  async function remove(teamId: string, serviceId: string, actor: Actor, { deleteVolumes = false } = {}) {
    const removal = await db.transaction().execute(async (trx) => {
      const service = await findTeamService(trx, teamId, serviceId)
      const removal = await deployments.queueRemovalIfDeployed(
        trx,
        await findTeamResource(trx, teamId, serviceId),
        actor,
        { volumes: deleteVolumes },
      )
      await trx.deleteFrom('services').where('id', '=', serviceId).execute()
      await audit.record(trx, actor, {
        action: 'service.deleted',
        resourceType: 'service',
        resourceId: serviceId,
        details: {
          name: service.name,
          project_id: service.project_id,
          removal_deployment_id: removal?.deploymentId ?? null,
          volumes_deleted: deleteVolumes,
        },
      })
      return removal
    })
    events.publish({ type: 'service.deleted', teamId, serviceId })
    removal?.announce()
  }

  return {
    create,
    listInProject,
    get: (teamId: string, serviceId: string) => findTeamService(db, teamId, serviceId),
    update,
    remove,
  }
}
