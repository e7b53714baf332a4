import type { Kysely } from 'kysely'
import type { DB } from '../db/schema.js'
import { newId } from '../db/time.js'

/** Records that a template version wrote the compose file with this hash for the service. */
export async function insertServiceTemplate(
  db: Kysely<DB>,
  row: { serviceId: string; templateId: string; version: string; sha256: string; now: string },
) {
  await db
    .insertInto('service_templates')
    .values({
      id: newId(),
      service_id: row.serviceId,
      template_id: row.templateId,
      template_version: row.version,
      compose_sha256: row.sha256,
      created_at: row.now,
    })
    .execute()
}

/** The template versions written for a service, newest first. */
export async function listServiceTemplates(db: Kysely<DB>, serviceId: string) {
  return db
    .selectFrom('service_templates')
    .selectAll()
    .where('service_id', '=', serviceId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute()
}
