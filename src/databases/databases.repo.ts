import type { Kysely } from 'kysely'
import type { DatabaseTable, DB } from '../db/schema.js'

export async function insertDatabase(db: Kysely<DB>, row: DatabaseTable) {
  await db.insertInto('databases').values(row).execute()
}

/** The databases row of a resource already known to be a database (see findTeamResource). */
export async function findDatabase(db: Kysely<DB>, id: string) {
  return db.selectFrom('databases').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
}

/** The databases rows among these service ids. */
export async function listDatabasesIn(db: Kysely<DB>, ids: string[]) {
  if (ids.length === 0) return []
  return db.selectFrom('databases').selectAll().where('id', 'in', ids).execute()
}
