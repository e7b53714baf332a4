import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { DB } from '../db/schema.js'
import type { BackupJobsOfDeleted } from '../database-backups/owner-deleted.js'
import type { DeploymentsService } from '../deployments/deployments.service.js'
import type { EventBus } from '../events/event-bus.js'
import { newId, nowIso } from '../db/time.js'
import { ConflictError } from '../errors.js'
import { countByProject, findTeamResource, listIdsInProject } from '../services/services.repo.js'
import type { ServersService } from '../servers/servers.service.js'
import { findTeamProject } from './projects.repo.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  events: Pick<EventBus, 'publish'>
  deployments: Pick<DeploymentsService, 'queueRemovalIfDeployed'>
  servers: Pick<ServersService, 'usable'>
  /** Deletes the backup jobs of what is deleted, in the same transaction. */
  backupJobs: Pick<BackupJobsOfDeleted, 'removeJobsOf'>
}

export type ProjectInput = {
  name: string
  description?: string
  /** The server new services and databases of the project deploy to; null: the instance's default server. */
  defaultServerId?: string | null
}
export type ProjectsService = ReturnType<typeof createProjectsService>

async function assertNameFree(db: Kysely<DB>, teamId: string, name: string, exceptId?: string) {
  let q = db.selectFrom('projects').select('id').where('team_id', '=', teamId).where('name', '=', name)
  if (exceptId) q = q.where('id', '!=', exceptId)
  if (await q.executeTakeFirst())
    throw new ConflictError('name_taken', `A project named "${name}" already exists in this team.`)
}

export function createProjectsService({ db, audit, events, deployments, servers, backupJobs }: Deps) {
  async function list(teamId: string) {
    const projects = await db.selectFrom('projects').selectAll().where('team_id', '=', teamId).orderBy('name').execute()
    const counts = await countByProject(
      db,
      projects.map((p) => p.id),
    )
    return projects.map((p) => ({
      ...p,
      service_count: counts.get(p.id)?.services ?? 0,
      database_count: counts.get(p.id)?.databases ?? 0,
    }))
  }

  async function create(teamId: string, input: ProjectInput, actor: Actor) {
    const now = nowIso()
    const project = {
      id: newId(),
      team_id: teamId,
      name: input.name,
      description: input.description ?? '',
      default_server_id: null as string | null,
      created_at: now,
      updated_at: now,
    }
    await db.transaction().execute(async (trx) => {
      await assertNameFree(trx, teamId, input.name)
      if (input.defaultServerId)
        project.default_server_id = (await servers.usable(trx, teamId, input.defaultServerId)).id
      await trx.insertInto('projects').values(project).execute()
      await audit.record(trx, actor, {
        action: 'project.created',
        resourceType: 'project',
        resourceId: project.id,
        details: { name: project.name, default_server_id: project.default_server_id },
      })
    })
    return project
  }

  async function update(teamId: string, projectId: string, input: Partial<ProjectInput>, actor: Actor) {
    return db.transaction().execute(async (trx) => {
      const before = await findTeamProject(trx, teamId, projectId)
      if (input.name !== undefined) await assertNameFree(trx, teamId, input.name, projectId)
      const server = input.defaultServerId ? await servers.usable(trx, teamId, input.defaultServerId) : null
      const changes = {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.defaultServerId !== undefined && { default_server_id: server?.id ?? null }),
      }
      const updated = { ...before, ...changes, updated_at: nowIso() }
      await trx
        .updateTable('projects')
        .set({ ...changes, updated_at: updated.updated_at })
        .where('id', '=', projectId)
        .execute()
      await audit.record(trx, actor, {
        action: 'project.updated',
        resourceType: 'project',
        resourceId: projectId,
        details: {
          changed: Object.keys(changes),
          ...(input.defaultServerId !== undefined && { default_server_name: server?.name ?? null }),
        },
      })
      return updated
    })
  }

  /** Deletes a project with its services and databases; each that was deployed is taken down by a `remove` deployment (named volumes only with `deleteVolumes`). */
  async function remove(teamId: string, projectId: string, actor: Actor, { deleteVolumes = false } = {}) {
    const removals = await db.transaction().execute(async (trx) => {
      const project = await findTeamProject(trx, teamId, projectId)
      const removals = []
      const resourceIds = await listIdsInProject(trx, projectId)
      await backupJobs.removeJobsOf(trx, resourceIds, actor)
      for (const id of resourceIds) {
        const removal = await deployments.queueRemovalIfDeployed(trx, await findTeamResource(trx, teamId, id), actor, {
          volumes: deleteVolumes,
        })
        if (removal) removals.push(removal)
      }
      await trx.deleteFrom('projects').where('id', '=', projectId).execute()
      await audit.record(trx, actor, {
        action: 'project.deleted',
        resourceType: 'project',
        resourceId: projectId,
        details: {
          name: project.name,
          removal_deployment_ids: removals.map((r) => r.deploymentId),
          volumes_deleted: deleteVolumes,
        },
      })
      return removals
    })
    events.publish({ type: 'project.deleted', teamId, projectId })
    for (const removal of removals) removal.announce()
  }

  return {
    list,
    get: (teamId: string, projectId: string) => findTeamProject(db, teamId, projectId),
    create,
    update,
    remove,
  }
}
