import type { Kysely } from 'kysely'
import { preparedQuery } from '../db/prepared.js'
import type { AuthorType, DB } from '../db/schema.js'
import { NotFoundError } from '../errors.js'
import type { Parameter } from './compose.params.js'

/**
 * The current version of a team's service in one query: the hot read path (see
 * bench/compose.bench.ts), so it joins services and projects (allowed in test/structure.test.ts).
 */
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

const selectVersions = preparedQuery((db, serviceId: string) =>
  db
    .selectFrom('compose_versions')
    .select(['version', 'sha256', 'author_type', 'author_id', 'author_name', 'description', 'created_at'])
    .where('service_id', '=', serviceId)
    .orderBy('version', 'desc'),
)

export async function listVersions(db: Kysely<DB>, serviceId: string) {
  return (await selectVersions(db, serviceId)).rows
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

const insertVersionRow = preparedQuery(
  (db, ...v: [string, number, string, string, string, string, AuthorType, string | null, string, string, string]) =>
    db.insertInto('compose_versions').values({
      service_id: v[0],
      version: v[1],
      yaml: v[2],
      rendered_yaml: v[3],
      sha256: v[4],
      parameters: v[5],
      author_type: v[6],
      author_id: v[7],
      author_name: v[8],
      description: v[9],
      created_at: v[10],
    }),
)

export type NewComposeVersion = {
  serviceId: string
  version: number
  yaml: string
  renderedYaml: string
  sha256: string
  /** The parameter values it was rendered with, as JSON. */
  parameters: string
  authorType: AuthorType
  authorId: string | null
  authorName: string
  description: string
  createdAt: string
}

/** Appends a compose version row (compiled once: it is on the versioned-write hot path). */
export async function insertVersion(db: Kysely<DB>, v: NewComposeVersion) {
  await insertVersionRow(
    db,
    v.serviceId,
    v.version,
    v.yaml,
    v.renderedYaml,
    v.sha256,
    v.parameters,
    v.authorType,
    v.authorId,
    v.authorName,
    v.description,
    v.createdAt,
  )
}

/** The description of a service's version 1 (the importer recognises what it imported by it). */
export async function firstVersionDescription(db: Kysely<DB>, serviceId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('compose_versions')
    .select('description')
    .where('service_id', '=', serviceId)
    .where('version', '=', 1)
    .executeTakeFirst()
  return row?.description
}
