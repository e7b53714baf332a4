import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { NotFoundError } from '../errors.js'
import type { Parameter } from './compose.params.js'

/** Loads a service of the caller's team (through its project); any other service is "not found". */
export async function findTeamService(db: Kysely<DB>, teamId: string, serviceId: string) {
  const service = await db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .selectAll('services')
    .select('projects.name as project_name')
    .where('services.id', '=', serviceId)
    .where('projects.team_id', '=', teamId)
    .executeTakeFirst()
  if (!service) throw new NotFoundError(`Service ${serviceId} was not found.`)
  return service
}

export async function findVersion(db: Kysely<DB>, serviceId: string, version: number) {
  const row = await db
    .selectFrom('compose_versions')
    .selectAll()
    .where('service_id', '=', serviceId)
    .where('version', '=', version)
    .executeTakeFirst()
  if (!row) throw new NotFoundError(`Service ${serviceId} has no compose version ${version}.`, { version })
  return row
}

export async function listVersions(db: Kysely<DB>, serviceId: string) {
  return db
    .selectFrom('compose_versions')
    .select(['version', 'sha256', 'author_type', 'author_id', 'author_name', 'description', 'created_at'])
    .where('service_id', '=', serviceId)
    .orderBy('version', 'desc')
    .execute()
}

export async function listParameterRows(db: Kysely<DB>, serviceId: string) {
  return db.selectFrom('service_parameters').selectAll().where('service_id', '=', serviceId).orderBy('name').execute()
}

export function parameterFromRow(row: { name: string; type: string; value: string }): Parameter {
  return { name: row.name, type: row.type as Parameter['type'], value: JSON.parse(row.value) as unknown }
}
