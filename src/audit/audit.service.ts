import type { Kysely } from 'kysely'
import type { Principal } from '../auth/principal.js'
import { preparedQuery } from '../db/prepared.js'
import type { AuditLogTable, AuthorType, DB } from '../db/schema.js'
import { nowIso } from '../db/time.js'

/** The author of a change as it is written into audit rows and compose versions. */
export type Actor = {
  type: AuthorType | 'anonymous'
  id: string | null
  name: string
  teamId: string | null
  via: string
  ip: string | null
}

export type AuditEntry = {
  action: string
  resourceType?: string
  resourceId?: string
  /** Never put secret values here: the audit log is readable by everyone with "read". */
  details?: Record<string, unknown>
  /** Overrides the actor's team (e.g. a failed login has no team yet). */
  teamId?: string | null
}

export function actorOf(principal: Principal): Actor {
  return {
    type: principal.kind === 'token' ? 'token' : 'user',
    id: principal.kind === 'token' ? (principal.tokenId ?? null) : principal.userId,
    name: principal.userEmail,
    teamId: principal.teamId,
    via: principal.via,
    ip: principal.ip,
  }
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, name: 'berth', teamId: null, via: 'system', ip: null }

// Audit rows are written by every change, so the insert is compiled once (see db/prepared.ts).
const insertAuditRow = preparedQuery(
  (
    db,
    ...v: [
      string | null,
      string,
      string | null,
      string,
      string,
      string,
      string | null,
      string | null,
      string | null,
      string,
      string,
    ]
  ) =>
    db.insertInto('audit_log').values({
      team_id: v[0],
      actor_type: v[1] as AuditLogTable['actor_type'],
      actor_id: v[2],
      actor_name: v[3],
      via: v[4],
      action: v[5],
      resource_type: v[6],
      resource_id: v[7],
      ip: v[8],
      details: v[9],
      created_at: v[10],
    }),
)

export type AuditService = ReturnType<typeof createAuditService>

export function createAuditService() {
  /** Writes one audit row; pass the transaction of the change so both commit or neither does. */
  async function record(trx: Kysely<DB>, actor: Actor, entry: AuditEntry): Promise<void> {
    await insertAuditRow(
      trx,
      entry.teamId === undefined ? actor.teamId : entry.teamId,
      actor.type,
      actor.id,
      actor.name,
      actor.via,
      entry.action,
      entry.resourceType ?? null,
      entry.resourceId ?? null,
      actor.ip,
      JSON.stringify(entry.details ?? {}),
      nowIso(),
    )
  }
  return { record }
}
