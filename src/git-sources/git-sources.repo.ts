import type { Kysely } from 'kysely'
import type { DB, GitSourceTable } from '../db/schema.js'

export type GitSourceRow = GitSourceTable

export async function findSource(db: Kysely<DB>, serviceId: string): Promise<GitSourceRow | undefined> {
  return db.selectFrom('git_sources').selectAll().where('service_id', '=', serviceId).executeTakeFirst()
}

export async function insertSource(db: Kysely<DB>, row: GitSourceRow) {
  await db.insertInto('git_sources').values(row).execute()
}

export async function updateSource(db: Kysely<DB>, serviceId: string, changes: Partial<GitSourceRow>) {
  await db.updateTable('git_sources').set(changes).where('service_id', '=', serviceId).execute()
}

export async function deleteSource(db: Kysely<DB>, serviceId: string) {
  await db.deleteFrom('git_sources').where('service_id', '=', serviceId).execute()
}

/** Every service built from Git with how many images it keeps (for image pruning). */
export async function listKeepImages(db: Kysely<DB>) {
  return db.selectFrom('git_sources').select(['service_id', 'keep_images']).execute()
}
