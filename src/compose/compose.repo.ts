import type { Kysely } from 'kysely'
import { preparedQuery } from '../db/prepared.js'
import type { DB } from '../db/schema.js'
import { NotFoundError } from '../errors.js'
import type { Parameter } from './compose.params.js'

const selectTeamService = preparedQuery((db, teamId: string, serviceId: string) =>
  db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .selectAll('services')
    .select('projects.name as project_name')
    .where('services.id', '=', serviceId)
    .where('projects.team_id', '=', teamId),
)

/** Loads a service of the caller's team (through its project); any other service is "not found". */
export async function findTeamService(db: Kysely<DB>, teamId: string, serviceId: string) {
  const service = (await selectTeamService(db, teamId, serviceId)).rows[0]
  if (!service) throw new NotFoundError(`Service ${serviceId} was not found.`)
  return service
}

/** The current version of a team's service in one query: the hot read path (see bench/compose.bench.ts). */
const selectCurrentVersion = preparedQuery((db, teamId: string, serviceId: string) =>
  db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .innerJoin('compose_versions', (j) =>
      j
        .onRef('compose_versions.service_id', '=', 'services.id')
        .onRef('compose_versions.version', '=', 'services.current_version'),
    )
    .select([
      'compose_versions.version',
      'compose_versions.yaml',
      'compose_versions.rendered_yaml',
      'compose_versions.sha256',
      'compose_versions.description',
      'compose_versions.author_name',
      'compose_versions.created_at',
    ])
    .where('services.id', '=', serviceId)
    .where('projects.team_id', '=', teamId),
)

export async function findCurrentVersion(db: Kysely<DB>, teamId: string, serviceId: string) {
  const row = (await selectCurrentVersion(db, teamId, serviceId)).rows[0]
  if (!row) throw new NotFoundError(`Service ${serviceId} was not found.`)
  return row
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

const selectParameters = preparedQuery((db, serviceId: string) =>
  db.selectFrom('service_parameters').selectAll().where('service_id', '=', serviceId).orderBy('name'),
)

export async function listParameterRows(db: Kysely<DB>, serviceId: string) {
  return (await selectParameters(db, serviceId)).rows
}

export function parameterFromRow(row: { name: string; type: string; value: string }): Parameter {
  return { name: row.name, type: row.type as Parameter['type'], value: JSON.parse(row.value) as unknown }
}
