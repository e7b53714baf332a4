import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'

export async function insertServiceTemplate(
  db: Kysely<DB>,
  row: { serviceId: string; templateId: string; version: string; now: string },
) {
  await db
    .insertInto('service_templates')
    .values({
      service_id: row.serviceId,
      template_id: row.templateId,
      template_version: row.version,
      created_at: row.now,
      updated_at: row.now,
    })
    .execute()
}

export async function findServiceTemplate(db: Kysely<DB>, serviceId: string) {
  return db.selectFrom('service_templates').selectAll().where('service_id', '=', serviceId).executeTakeFirst()
}

export async function setServiceTemplateVersion(db: Kysely<DB>, serviceId: string, version: string, now: string) {
  await db
    .updateTable('service_templates')
    .set({ template_version: version, updated_at: now })
    .where('service_id', '=', serviceId)
    .execute()
}
