import type { Kysely } from 'kysely'
import { preparedQuery } from '../db/prepared.js'
import type { DB } from '../db/schema.js'
import { NotFoundError } from '../errors.js'

// Most requests on a project's resources run this: compiled once.
const selectTeamProject = preparedQuery((db, teamId: string, projectId: string) =>
  db.selectFrom('projects').selectAll().where('id', '=', projectId).where('team_id', '=', teamId),
)

/** Loads a project of the caller's team; another team's project is "not found" so its existence does not leak. */
export async function findTeamProject(db: Kysely<DB>, teamId: string, projectId: string) {
  const project = (await selectTeamProject(db, teamId, projectId)).rows[0]
  if (!project) throw new NotFoundError(`Project ${projectId} was not found.`)
  return project
}

/** The team owning a project, for host-level callers (the CLI) that act in the project's own team. */
export async function findProjectTeam(db: Kysely<DB>, projectId: string): Promise<string> {
  const row = await db.selectFrom('projects').select('team_id').where('id', '=', projectId).executeTakeFirst()
  if (!row) throw new NotFoundError(`Project ${projectId} was not found.`)
  return row.team_id
}

/** Which of these project ids this Berth holds (any team): the others are another instance's, or deleted. */
export async function existingProjectIds(db: Kysely<DB>, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  const rows = await db.selectFrom('projects').select('id').where('id', 'in', ids).execute()
  return new Set(rows.map((r) => r.id))
}
