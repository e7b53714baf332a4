import type { Kysely } from 'kysely'
import type { DB, GitPreviewTable, GitSourceTable } from '../db/schema.js'

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

export type GitPreviewRow = GitPreviewTable

export async function findPreview(db: Kysely<DB>, serviceId: string, number: number) {
  return db
    .selectFrom('git_previews')
    .selectAll()
    .where('service_id', '=', serviceId)
    .where('number', '=', number)
    .executeTakeFirst()
}

/** The previews of a service, or the preview row a preview service belongs to. */
export async function listPreviews(db: Kysely<DB>, by: { serviceId: string } | { previewServiceId: string }) {
  return db
    .selectFrom('git_previews')
    .selectAll()
    .where(
      'serviceId' in by ? 'service_id' : 'preview_service_id',
      '=',
      'serviceId' in by ? by.serviceId : by.previewServiceId,
    )
    .orderBy('number')
    .execute()
}

export async function insertPreview(db: Kysely<DB>, row: GitPreviewRow) {
  await db.insertInto('git_previews').values(row).execute()
}

export async function updatePreview(
  db: Kysely<DB>,
  serviceId: string,
  number: number,
  changes: Partial<GitPreviewRow>,
) {
  await db
    .updateTable('git_previews')
    .set(changes)
    .where('service_id', '=', serviceId)
    .where('number', '=', number)
    .execute()
}

export async function deletePreview(db: Kysely<DB>, serviceId: string, number: number) {
  await db.deleteFrom('git_previews').where('service_id', '=', serviceId).where('number', '=', number).execute()
}
