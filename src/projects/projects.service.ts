import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { DB } from '../db/schema.js'
import type { DeploymentsService } from '../deployments/deployments.service.js'
import { findTeamResource } from '../deployments/resources.js'
import type { EventBus } from '../events/event-bus.js'
import { newId, nowIso } from '../db/time.js'
import { ConflictError, NotFoundError } from '../errors.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  events: Pick<EventBus, 'publish'>
  deployments: Pick<DeploymentsService, 'queueRemovalIfDeployed'>
}

export type ProjectInput = { name: string; description?: string }
export type ProjectsService = ReturnType<typeof createProjectsService>

/** Loads a project of the caller's team; another team's project is "not found" so its existence does not leak. */
export async function findTeamProject(db: Kysely<DB>, teamId: string, projectId: string) {
  const project = await db
    .selectFrom('projects')
    .selectAll()
    .where('id', '=', projectId)
    .where('team_id', '=', teamId)
    .executeTakeFirst()
  if (!project) throw new NotFoundError(`Project ${projectId} was not found.`)
  return project
}

async function assertNameFree(db: Kysely<DB>, teamId: string, name: string, exceptId?: string) {
  let q = db.selectFrom('projects').select('id').where('team_id', '=', teamId).where('name', '=', name)
  if (exceptId) q = q.where('id', '!=', exceptId)
  if (await q.executeTakeFirst())
    throw new ConflictError('name_taken', `A project named "${name}" already exists in this team.`)
}

export function createProjectsService({ db, audit, events, deployments }: Deps) {
  async function list(teamId: string) {
    return db
      .selectFrom('projects')
      .selectAll('projects')
      .select((eb) =>
        eb
          .selectFrom('services')
          .whereRef('services.project_id', '=', 'projects.id')
          .select(eb.fn.countAll<number>().as('n'))
          .as('service_count'),
      )
      .where('team_id', '=', teamId)
      .orderBy('name')
      .execute()
  }

  async function create(teamId: string, input: ProjectInput, actor: Actor) {
    const now = nowIso()
    const project = {
      id: newId(),
      team_id: teamId,
      name: input.name,
      description: input.description ?? '',
      created_at: now,
      updated_at: now,
    }
    await db.transaction().execute(async (trx) => {
      await assertNameFree(trx, teamId, input.name)
      await trx.insertInto('projects').values(project).execute()
      await audit.record(trx, actor, {
        action: 'project.created',
        resourceType: 'project',
        resourceId: project.id,
        details: { name: project.name },
      })
    })
    return project
  }

  async function update(teamId: string, projectId: string, input: Partial<ProjectInput>, actor: Actor) {
    return db.transaction().execute(async (trx) => {
      const before = await findTeamProject(trx, teamId, projectId)
      if (input.name !== undefined) await assertNameFree(trx, teamId, input.name, projectId)
      const changes = {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.description !== undefined && { description: input.description }),
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
        details: { changed: Object.keys(changes) },
      })
      return updated
    })
  }

  /** Deletes the project and, through foreign keys, its services and their history; the audit trail stays. */
  /** Deletes a project with its services and databases; each that was deployed is taken down by a `remove` deployment (named volumes only with `deleteVolumes`). */
  async function remove(teamId: string, projectId: string, actor: Actor, { deleteVolumes = false } = {}) {
    const removals = await db.transaction().execute(async (trx) => {
      const project = await findTeamProject(trx, teamId, projectId)
      const resources = await trx.selectFrom('services').select('id').where('project_id', '=', projectId).execute()
      const removals = []
      for (const r of resources) {
        const removal = await deployments.queueRemovalIfDeployed(
          trx,
          await findTeamResource(trx, teamId, r.id),
          actor,
          { volumes: deleteVolumes },
        )
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
