import type { Kysely } from 'kysely'
import type { DB, ResourceType } from '../db/schema.js'
import { NotFoundError } from '../errors.js'
import { assertComposeProjectName } from '../servers/docker-host.js'

/** What a deployment needs to know about the service or database it deploys. */
export type Resource = {
  type: ResourceType
  id: string
  name: string
  teamId: string
  projectId: string
  serverId: string | null
  currentVersion: number
}

/**
 * The Compose project of a resource. Derived from the id, not the name, so renaming a service
 * never orphans its running containers under an old project name.
 */
export function composeProjectName(resourceId: string): string {
  const name = `berth-${resourceId.toLowerCase()}`
  assertComposeProjectName(name)
  return name
}

/** Loads a service or database of the caller's team (a database is a service with a databases row). */
export async function findTeamResource(
  db: Kysely<DB>,
  teamId: string,
  id: string,
  expected?: ResourceType,
): Promise<Resource> {
  const row = await db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .leftJoin('databases', 'databases.id', 'services.id')
    .select([
      'services.id',
      'services.name',
      'services.project_id',
      'services.server_id',
      'services.current_version',
      'projects.team_id',
      'databases.type as database_type',
    ])
    .where('services.id', '=', id)
    .where('projects.team_id', '=', teamId)
    .executeTakeFirst()
  const type: ResourceType | undefined = row ? (row.database_type ? 'database' : 'service') : undefined
  if (!row || (expected && type !== expected))
    throw new NotFoundError(
      `${expected === 'database' ? 'Database' : expected === 'service' ? 'Service' : 'Resource'} ${id} was not found.`,
    )
  return {
    type: type!,
    id: row.id,
    name: row.name,
    teamId: row.team_id,
    projectId: row.project_id,
    serverId: row.server_id ?? null,
    currentVersion: row.current_version,
  }
}
