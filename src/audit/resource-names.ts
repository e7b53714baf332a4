import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import type { ProjectsService } from '../projects/projects.service.js'
import { listTeamResources } from '../services/services.repo.js'

type Item = { resource_type: string | null; resource_id: string | null; details: Record<string, unknown> }

/**
 * The names of the resources audit entries are about, so a reader sees "shop / web" and not an id:
 * the current name of a project, service or database of the team, else the name the entry recorded.
 */
export async function withResourceNames<T extends Item>(
  deps: { db: Kysely<DB>; projects: Pick<ProjectsService, 'list'> },
  teamId: string,
  items: T[],
): Promise<(T & { resource_name: string | null })[]> {
  const [projects, resources] = await Promise.all([deps.projects.list(teamId), listTeamResources(deps.db, teamId)])
  const names = new Map<string, string>([
    ...projects.map((p) => [p.id, p.name] as const),
    ...resources.map((r) => [r.id, `${r.project_name} / ${r.name}`] as const),
  ])
  return items.map((item) => {
    const recorded = typeof item.details.name === 'string' ? item.details.name : null
    return { ...item, resource_name: (item.resource_id && names.get(item.resource_id)) || recorded }
  })
}
