import { sql, type Kysely } from 'kysely'
import { SYSTEM_ACTOR, type AuditService } from '../audit/audit.service.js'
import type { DB } from '../db/schema.js'

export type RetentionPolicy = { keepDays: number; keepFailedDays: number; keepLastPerResource: number }
export const DEFAULT_RETENTION: RetentionPolicy = { keepDays: 90, keepFailedDays: 180, keepLastPerResource: 10 }

const BATCH = 500
const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Deletes ended deployments (and, by cascade, their log rows) older than the policy allows,
 * always keeping each resource's newest N. Works in small batches so the job never holds the
 * write lock for long, and writes one audit row per team saying how many it removed.
 */
export async function pruneDeployments(
  db: Kysely<DB>,
  audit: Pick<AuditService, 'record'>,
  policy: RetentionPolicy,
  now = new Date(),
) {
  const cutoff = new Date(now.getTime() - policy.keepDays * DAY_MS).toISOString()
  const failedCutoff = new Date(now.getTime() - policy.keepFailedDays * DAY_MS).toISOString()
  const perTeam = new Map<string, number>()
  for (;;) {
    const victims = await sql<{ id: string; team_id: string }>`
      select id, team_id from (
        select id, team_id, status, finished_at,
               row_number() over (partition by resource_id order by created_at desc) as position
        from deployments
      ) ranked
      where position > ${policy.keepLastPerResource}
        and status in ('finished', 'failed', 'cancelled-by-user')
        and finished_at < case when status = 'failed' then ${failedCutoff} else ${cutoff} end
      limit ${BATCH}`.execute(db)
    if (victims.rows.length === 0) break
    await db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('deployments')
        .where(
          'id',
          'in',
          victims.rows.map((v) => v.id),
        )
        .execute()
    })
    for (const v of victims.rows) perTeam.set(v.team_id, (perTeam.get(v.team_id) ?? 0) + 1)
  }
  if (perTeam.size > 0) {
    await db.transaction().execute(async (trx) => {
      for (const [teamId, deleted] of perTeam) {
        await audit.record(
          trx,
          { ...SYSTEM_ACTOR, teamId },
          { action: 'deployments.pruned', resourceType: 'deployment', details: { deleted, policy } },
        )
      }
    })
  }
  return { deleted: [...perTeam.values()].reduce((a, b) => a + b, 0) }
}
