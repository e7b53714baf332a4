import type { Kysely } from 'kysely'
import type { Principal } from '../auth/principal.js'
import type { AuthorType, DB } from '../db/schema.js'
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

export type AuditService = ReturnType<typeof createAuditService>

export function createAuditService() {
  /** Writes one audit row; pass the transaction of the change so both commit or neither does. */
  async function record(trx: Kysely<DB>, actor: Actor, entry: AuditEntry): Promise<void> {
    await trx
      .insertInto('audit_log')
      .values({
        team_id: entry.teamId === undefined ? actor.teamId : entry.teamId,
        actor_type: actor.type,
        actor_id: actor.id,
        actor_name: actor.name,
        via: actor.via,
        action: entry.action,
        resource_type: entry.resourceType ?? null,
        resource_id: entry.resourceId ?? null,
        ip: actor.ip,
        details: JSON.stringify(entry.details ?? {}),
        created_at: nowIso(),
      })
      .execute()
  }
  return { record }
}
