import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { Parameter } from '../compose/compose.params.js'
import { restoreParameters } from '../compose/parameters.service.js'
import { prepareVersion, writeVersion } from '../compose/versioning.js'
import type { DB } from '../db/schema.js'
import type { BackupJobsOfDeleted } from '../database-backups/owner-deleted.js'
import type { DeploymentsService } from '../deployments/deployments.service.js'
import type { EventBus } from '../events/event-bus.js'
import { newId, nowIso } from '../db/time.js'
import { BadRequestError, ConflictError } from '../errors.js'
import { findTeamProject } from '../projects/projects.repo.js'
import type { ServersService } from '../servers/servers.service.js'
import {
  deleteService,
  findTeamResource,
  findTeamService,
  insertService,
  isNameTaken,
  listPlainInProject,
  updateService,
} from './services.repo.js'

/** Service names become Compose project names and DNS labels, so they follow RFC 1123 label rules. */
export const SERVICE_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  events: Pick<EventBus, 'publish'>
  deployments: Pick<DeploymentsService, 'queueRemovalIfDeployed'>
  servers: Pick<ServersService, 'placement'>
  /** Deletes the backup jobs of what is deleted, in the same transaction. */
  backupJobs: Pick<BackupJobsOfDeleted, 'removeJobsOf'>
}

export type CreateServiceInput = {
  name: string
  /** The server it deploys to; without it, the project's default server. */
  serverId?: string
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

/**
 * Inserts a service row inside the caller's transaction once its name is free in the project:
 * plain services and databases (a database is a service row plus its own row) are both created
 * through here. The caller has checked the name's form and that the project is the team's.
 */
export async function createInTransaction(
  trx: Kysely<DB>,
  input: {
    id: string
    projectId: string
    name: string
    description: string
    now: string
    kind: 'service' | 'database'
    /** Where it deploys: the server asked for, else its project's default server (null: the instance's). */
    serverId: string | null
  },
) {
  if (await isNameTaken(trx, { projectId: input.projectId, name: input.name }))
    throw new ConflictError(
      'name_taken',
      `A ${input.kind === 'database' ? 'service or database' : 'service'} named "${input.name}" already exists in this project.`,
    )
  const row = {
    id: input.id,
    project_id: input.projectId,
    name: input.name,
    description: input.description,
    current_version: 1,
    server_id: input.serverId,
    created_at: input.now,
    updated_at: input.now,
  }
  await insertService(trx, row)
  return row
}

export function createServicesService({ db, audit, events, deployments, servers, backupJobs }: Deps) {
  /** Creates the service and its compose version 1 in one transaction: a service never exists without a valid compose file. */
  async function create(teamId: string, projectId: string, input: CreateServiceInput, actor: Actor) {
    assertServiceName(input.name)
    const prepared = prepareVersion(input.compose, input.parameters ?? [])
    const service = await db.transaction().execute(async (trx) => {
      const project = await findTeamProject(trx, teamId, projectId)
      const service = await createInTransaction(trx, {
        id: newId(),
        projectId,
        name: input.name,
        description: input.description ?? '',
        now: nowIso(),
        kind: 'service',
        serverId: await servers.placement(trx, teamId, input.serverId, project.default_server_id),
      })
      await audit.record(trx, actor, {
        action: 'service.created',
        resourceType: 'service',
        resourceId: service.id,
        details: { name: service.name, project_id: projectId, server_id: service.server_id },
      })
      await writeVersion(trx, audit, actor, {
        serviceId: service.id,
        baseVersion: 0,
        prepared,
        description: input.versionDescription ?? 'Initial version',
        action: 'compose.created',
      })
      await restoreParameters(trx, service.id, prepared.parameters)
      return service
    })
    events.publish({ type: 'compose.changed', teamId, serviceId: service.id, version: 1 })
    return service
  }

  async function listInProject(teamId: string, projectId: string) {
    await findTeamProject(db, teamId, projectId)
    // Standalone databases are services underneath (see databases.service.ts); they are listed on their own.
    return listPlainInProject(db, projectId)
  }

  async function update(
    teamId: string,
    serviceId: string,
    input: { name?: string; description?: string; healthTimeoutSeconds?: number; autoRollback?: boolean },
    actor: Actor,
  ) {
    if (input.name !== undefined) assertServiceName(input.name)
    return db.transaction().execute(async (trx) => {
      const before = await findTeamService(trx, teamId, serviceId)
      if (
        input.name !== undefined &&
        (await isNameTaken(trx, { projectId: before.project_id, name: input.name, exceptId: serviceId }))
      )
        throw new ConflictError('name_taken', `A service named "${input.name}" already exists in this project.`)
      const changes = {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.healthTimeoutSeconds !== undefined && { health_timeout_seconds: input.healthTimeoutSeconds }),
        ...(input.autoRollback !== undefined && { auto_rollback: input.autoRollback ? 1 : 0 }),
      }
      const updatedAt = nowIso()
      await updateService(trx, serviceId, { ...changes, updated_at: updatedAt })
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
      await backupJobs.removeJobsOf(trx, [serviceId], actor)
      await deleteService(trx, serviceId)
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
