import type { Kysely } from 'kysely'
import type { AuditLogTable, DB } from '../db/schema.js'

export type AuditFilter = {
  teamId: string
  /** Also the instance-wide entries (settings, scheduled backups, CLI actions), which have no team: for root. */
  withInstance?: boolean
  actorId?: string
  action?: string
  resourceType?: string
  resourceId?: string
  since?: string
  until?: string
  /** Return entries older than this id (the previous page's next_cursor). */
  before?: number
  limit: number
}

export type AuditRecord = {
  id: number
  action: string
  actor: { type: AuditLogTable['actor_type']; id: string | null; name: string; via: string }
  resource_type: string | null
  resource_id: string | null
  ip: string | null
  details: Record<string, unknown>
  created_at: string
}

/** Newest first, keyset-paginated on the id so pages stay stable while new rows arrive. */
export async function queryAuditLog(
  db: Kysely<DB>,
  f: AuditFilter,
): Promise<{ items: AuditRecord[]; nextCursor: number | null }> {
  let q = db
    .selectFrom('audit_log')
    .selectAll()
    .where((eb) =>
      f.withInstance ? eb.or([eb('team_id', '=', f.teamId), eb('team_id', 'is', null)]) : eb('team_id', '=', f.teamId),
    )
  if (f.actorId) q = q.where('actor_id', '=', f.actorId)
  if (f.action)
    q = f.action.endsWith('*')
      ? q.where('action', 'like', `${f.action.slice(0, -1)}%`)
      : q.where('action', '=', f.action)
  if (f.resourceType) q = q.where('resource_type', '=', f.resourceType)
  if (f.resourceId) q = q.where('resource_id', '=', f.resourceId)
  if (f.since) q = q.where('created_at', '>=', f.since)
  if (f.until) q = q.where('created_at', '<', f.until)
  if (f.before !== undefined) q = q.where('id', '<', f.before)
  const rows = await q
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute()
  const page = rows.slice(0, f.limit)
  return {
    items: page.map((r) => ({
      id: Number(r.id),
      action: r.action,
      actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name, via: r.via },
      resource_type: r.resource_type,
      resource_id: r.resource_id,
      ip: r.ip,
      details: JSON.parse(r.details) as Record<string, unknown>,
      created_at: r.created_at,
    })),
    nextCursor: rows.length > f.limit ? Number(page[page.length - 1]!.id) : null,
  }
}
