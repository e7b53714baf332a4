import type { Kysely } from 'kysely'
import { jsonRows, parseJsonRows } from '../db/json-rows.js'
import { preparedQuery } from '../db/prepared.js'
import type { DB, ResourceType, ServiceTable } from '../db/schema.js'
import { NotFoundError } from '../errors.js'

/** What a deployment needs to know about the service or database it deploys. */
export type Resource = {
  type: ResourceType
  id: string
  name: string
  teamId: string
  projectId: string
  serverId: string | null
  currentVersion: number
  healthTimeoutSeconds: number
  autoRollback: boolean
}

// Team scoping joins projects (allowed in test/structure.test.ts): every service read goes through
// it, and one indexed join is cheaper than a second round trip on the compose read path.
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
      'services.health_timeout_seconds',
      'services.auto_rollback',
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
    healthTimeoutSeconds: row.health_timeout_seconds ?? 120,
    autoRollback: row.auto_rollback === 1,
  }
}

/** The team of any service or database, whatever team asks (the CLI acts as the host's operator). */
export async function findOwningTeam(db: Kysely<DB>, serviceId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .select('projects.team_id')
    .where('services.id', '=', serviceId)
    .executeTakeFirst()
  return row?.team_id
}

/** Whether a project already has a service (or database) of that name, other than `exceptId`. */
export async function isNameTaken(
  db: Kysely<DB>,
  { projectId, name, exceptId }: { projectId: string; name: string; exceptId?: string },
): Promise<boolean> {
  let q = db.selectFrom('services').select('id').where('project_id', '=', projectId).where('name', '=', name)
  if (exceptId) q = q.where('id', '!=', exceptId)
  return (await q.executeTakeFirst()) !== undefined
}

export async function insertService(db: Kysely<DB>, row: ServiceTable) {
  await db.insertInto('services').values(row).execute()
}

export async function updateService(
  db: Kysely<DB>,
  id: string,
  changes: Partial<
    Pick<ServiceTable, 'name' | 'description' | 'updated_at' | 'server_id' | 'health_timeout_seconds' | 'auto_rollback'>
  >,
) {
  await db.updateTable('services').set(changes).where('id', '=', id).execute()
}

/** Deletes a service row; its compose versions, parameters, variables and databases row go by cascade. */
export async function deleteService(db: Kysely<DB>, id: string) {
  await db.deleteFrom('services').where('id', '=', id).execute()
}

/** The project's services without its databases (those are listed on their own): what its page shows of each. */
// A database is a services row plus a databases row: telling them apart is one NOT EXISTS (allowed
// in test/structure.test.ts). Every project page runs this: compiled once, only the columns the
// page shows, as one JSON text (db/json-rows.ts: the project page went from 383 to 347 µs).
const PLAIN_COLUMNS = ['id', 'name', 'description', 'current_version'] as const
const selectPlainInProject = preparedQuery((db, projectId: string) =>
  db
    .selectFrom('services')
    .select(jsonRows(db, PLAIN_COLUMNS, 'name').as('rows'))
    .where('project_id', '=', projectId)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('databases').select('databases.id').whereRef('databases.id', '=', 'services.id'))),
    ),
)

export async function listPlainInProject(db: Kysely<DB>, projectId: string) {
  const rows = parseJsonRows((await selectPlainInProject(db, projectId)).rows[0]?.rows)
  return rows.map(([id, name, description, current_version]) => ({
    id: id as string,
    name: name as string,
    description: description as string,
    current_version: current_version as number,
  }))
}

/** Ids of a project's services and databases. */
export async function listIdsInProject(db: Kysely<DB>, projectId: string): Promise<string[]> {
  const rows = await db.selectFrom('services').select('id').where('project_id', '=', projectId).execute()
  return rows.map((r) => r.id)
}

/** A project's services and databases by name: ids, names and current versions. */
export async function listNamesInProject(db: Kysely<DB>, projectId: string) {
  return db
    .selectFrom('services')
    .select(['id', 'name', 'current_version'])
    .where('project_id', '=', projectId)
    .orderBy('name')
    .execute()
}

/** Number of services and of databases per project, for project lists. */
export async function countByProject(
  db: Kysely<DB>,
  projectIds: string[],
): Promise<Map<string, { services: number; databases: number }>> {
  if (projectIds.length === 0) return new Map()
  const rows = await db
    .selectFrom('services')
    .leftJoin('databases', 'databases.id', 'services.id')
    .select([
      'services.project_id',
      (eb) => eb.fn.countAll<number>().as('n'),
      (eb) => eb.fn.count<number>('databases.id').as('dbs'),
    ])
    .where('services.project_id', 'in', projectIds)
    .groupBy('services.project_id')
    .execute()
  return new Map(rows.map((r) => [r.project_id, { services: Number(r.n) - Number(r.dbs), databases: Number(r.dbs) }]))
}

/** Whether any service or database is placed on a server (it may not be deleted then). */
export async function isServerUsed(db: Kysely<DB>, serverId: string): Promise<boolean> {
  const row = await db.selectFrom('services').select('id').where('server_id', '=', serverId).executeTakeFirst()
  return row !== undefined
}

const movePointer = preparedQuery((db, serviceId: string, base: number, next: number, now: string) =>
  db
    .updateTable('services')
    .set({ current_version: next, updated_at: now })
    .where('id', '=', serviceId)
    .where('current_version', '=', base),
)

/** Moves a service's current compose version, compare-and-set (see compose/versioning.ts): false when it was not at `base`. */
export async function moveCurrentVersion(
  db: Kysely<DB>,
  { serviceId, base, next, now }: { serviceId: string; base: number; next: number; now: string },
): Promise<boolean> {
  const moved = await movePointer(db, serviceId, base, next, now)
  return Number(moved.numAffectedRows) > 0
}

export async function currentVersionOf(db: Kysely<DB>, serviceId: string): Promise<number | undefined> {
  const row = await db.selectFrom('services').select('current_version').where('id', '=', serviceId).executeTakeFirst()
  return row?.current_version
}

/** Every service and database of a team with its project, for overviews (a database has its type). */
export async function listTeamResources(db: Kysely<DB>, teamId: string) {
  return db
    .selectFrom('services')
    .innerJoin('projects', 'projects.id', 'services.project_id')
    .leftJoin('databases', 'databases.id', 'services.id')
    .select([
      'services.id',
      'services.name',
      'services.server_id',
      'projects.id as project_id',
      'projects.name as project_name',
      'databases.type as database_type',
    ])
    .where('projects.team_id', '=', teamId)
    .orderBy('projects.name')
    .orderBy('services.name')
    .execute()
}
