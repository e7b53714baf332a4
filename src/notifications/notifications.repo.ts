import type { Kysely } from 'kysely'
import type { DB, NotificationChannelTable, NotificationOutboxTable } from '../db/schema.js'
import { nowIso } from '../db/time.js'

export type ChannelRow = NotificationChannelTable
export type OutboxRow = NotificationOutboxTable

export async function listChannels(db: Kysely<DB>, teamId: string): Promise<ChannelRow[]> {
  return db.selectFrom('notification_channels').selectAll().where('team_id', '=', teamId).orderBy('name').execute()
}

export async function findChannel(db: Kysely<DB>, teamId: string, id: string): Promise<ChannelRow | undefined> {
  return db
    .selectFrom('notification_channels')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('id', '=', id)
    .executeTakeFirst()
}

export async function channelNameTaken(db: Kysely<DB>, teamId: string, name: string, exceptId?: string) {
  let q = db.selectFrom('notification_channels').select('id').where('team_id', '=', teamId).where('name', '=', name)
  if (exceptId) q = q.where('id', '!=', exceptId)
  return (await q.executeTakeFirst()) !== undefined
}

export async function insertChannel(db: Kysely<DB>, row: ChannelRow): Promise<void> {
  await db.insertInto('notification_channels').values(row).execute()
}

/** Changes a channel; answers the updated_at it wrote. */
export async function updateChannel(
  db: Kysely<DB>,
  id: string,
  changes: Partial<Pick<ChannelRow, 'name' | 'config' | 'events' | 'project_ids' | 'enabled'>>,
): Promise<string> {
  const updatedAt = nowIso()
  await db
    .updateTable('notification_channels')
    .set({ ...changes, updated_at: updatedAt })
    .where('id', '=', id)
    .execute()
  return updatedAt
}

/** Deletes a channel with its queued messages and their delivery log. */
export async function deleteChannel(db: Kysely<DB>, id: string): Promise<void> {
  const outbox = db.selectFrom('notification_outbox').select('id').where('channel_id', '=', id)
  await db.deleteFrom('notification_attempts').where('outbox_id', 'in', outbox).execute()
  await db.deleteFrom('notification_outbox').where('channel_id', '=', id).execute()
  await db.deleteFrom('notification_channels').where('id', '=', id).execute()
}

/** The team's enabled channels (the caller filters by event). */
export async function enabledChannels(db: Kysely<DB>, teamId: string): Promise<ChannelRow[]> {
  return db
    .selectFrom('notification_channels')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('enabled', '=', 1)
    .execute()
}

/**
 * Records the state of a fact; whether this call changed it: true when the stored state was
 * another, and, for a first record, `firstCounts` (bad news is news; a first "up" is not). The
 * conditional update makes one caller the changer when several record the same change at once.
 */
export async function recordState(db: Kysely<DB>, key: string, state: string, firstCounts: boolean): Promise<boolean> {
  const changed_at = nowIso()
  const updated = await db
    .updateTable('notification_states')
    .set({ state, changed_at })
    .where('resource_key', '=', key)
    .where('state', '<>', state)
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) > 0) return true
  const inserted = await db
    .insertInto('notification_states')
    .values({ resource_key: key, state, changed_at })
    .onConflict((oc) => oc.column('resource_key').doNothing())
    .executeTakeFirst()
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0 && firstCounts
}

export async function insertOutbox(db: Kysely<DB>, row: OutboxRow): Promise<void> {
  await db.insertInto('notification_outbox').values(row).execute()
}

/** The channel's latest message about a resource (by when it was or will be sent), for storm grouping. */
export async function latestAboutResource(
  db: Kysely<DB>,
  channelId: string,
  resourceKey: string,
): Promise<OutboxRow | undefined> {
  return db
    .selectFrom('notification_outbox')
    .selectAll()
    .where('channel_id', '=', channelId)
    .where('resource_key', '=', resourceKey)
    .orderBy('next_attempt_at', 'desc')
    .limit(1)
    .executeTakeFirst()
}

/**
 * Folds a newer event into a message still waiting out its grouping window: it then carries the
 * newest event and one more in its count. False when a worker took the message meanwhile.
 */
export async function foldIntoWaiting(
  db: Kysely<DB>,
  id: string,
  newest: Pick<OutboxRow, 'event' | 'summary' | 'payload'>,
): Promise<boolean> {
  const result = await db
    .updateTable('notification_outbox')
    .set((eb) => ({ ...newest, grouped: eb('grouped', '+', 1) }))
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('attempts', '=', 0)
    .where('claimed_by', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** The delivery log of a team, newest first, with each row's channel name. */
export async function listDeliveries(db: Kysely<DB>, teamId: string, { skip, take }: { skip: number; take: number }) {
  const rows = await db
    .selectFrom('notification_outbox')
    .leftJoin('notification_channels', 'notification_channels.id', 'notification_outbox.channel_id')
    .select([
      'notification_outbox.id',
      'notification_outbox.channel_id',
      'notification_channels.name as channel_name',
      'notification_channels.type as channel_type',
      'notification_outbox.event',
      'notification_outbox.summary',
      'notification_outbox.status',
      'notification_outbox.attempts',
      'notification_outbox.next_attempt_at',
      'notification_outbox.last_error',
      'notification_outbox.last_status_code',
      'notification_outbox.delivered_at',
      'notification_outbox.created_at',
    ])
    .where('notification_outbox.team_id', '=', teamId)
    .orderBy('notification_outbox.created_at', 'desc')
    .orderBy('notification_outbox.id', 'desc')
    .offset(skip)
    .limit(take)
    .execute()
  const total = await db
    .selectFrom('notification_outbox')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('team_id', '=', teamId)
    .executeTakeFirst()
  const ids = rows.map((r) => r.id)
  const attempts =
    ids.length === 0
      ? []
      : await db
          .selectFrom('notification_attempts')
          .select(['outbox_id', 'attempt', 'at', 'ok', 'status_code', 'error', 'duration_ms'])
          .where('outbox_id', 'in', ids)
          .orderBy('attempt')
          .execute()
  return { rows, attempts, total: Number(total?.n ?? 0) }
}

/**
 * Claims up to `limit` due messages for this worker: each row is taken by one conditional UPDATE,
 * so of several Berth processes on one database exactly one gets it. A claim older than
 * `staleBefore` (its process died mid-delivery) may be taken again.
 */
export async function claimDue(
  db: Kysely<DB>,
  { workerId, limit, staleBefore }: { workerId: string; limit: number; staleBefore: string },
): Promise<OutboxRow[]> {
  const now = nowIso()
  const due = await db
    .selectFrom('notification_outbox')
    .selectAll()
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('claimed_by', 'is', null), eb('claimed_at', '<', staleBefore)]))
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute()
  const claimed: OutboxRow[] = []
  for (const row of due) {
    const result = await db
      .updateTable('notification_outbox')
      .set({ claimed_by: workerId, claimed_at: now })
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .where((eb) =>
        row.claimed_by === null
          ? eb('claimed_by', 'is', null)
          : eb.and([eb('claimed_by', '=', row.claimed_by), eb('claimed_at', '=', row.claimed_at)]),
      )
      .executeTakeFirst()
    if (Number(result.numUpdatedRows) === 1) claimed.push({ ...row, claimed_by: workerId, claimed_at: now })
  }
  return claimed
}

export type AttemptResult = {
  ok: boolean
  statusCode: number | null
  error: string | null
  durationMs: number
  at: string
}

/**
 * Records one attempt and the message's next state (delivered, pending at `nextAttemptAt`, or
 * failed), releasing the claim; false when this worker no longer held it.
 */
export async function recordAttempt(
  db: Kysely<DB>,
  row: Pick<OutboxRow, 'id' | 'attempts'>,
  workerId: string,
  result: AttemptResult,
  nextAttemptAt: string | null,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const attempt = row.attempts + 1
    const updated = await trx
      .updateTable('notification_outbox')
      .set({
        status: result.ok ? 'delivered' : nextAttemptAt ? 'pending' : 'failed',
        attempts: attempt,
        // Delivered or given up: when that was recorded (storm grouping counts its window from it).
        next_attempt_at: nextAttemptAt ?? nowIso(),
        claimed_by: null,
        claimed_at: null,
        last_error: result.error,
        last_status_code: result.statusCode,
        delivered_at: result.ok ? result.at : null,
      })
      .where('id', '=', row.id)
      .where('claimed_by', '=', workerId)
      .executeTakeFirst()
    if (Number(updated.numUpdatedRows) === 0) return false
    await trx
      .insertInto('notification_attempts')
      .values({
        outbox_id: row.id,
        attempt,
        at: result.at,
        ok: result.ok ? 1 : 0,
        status_code: result.statusCode,
        error: result.error,
        duration_ms: result.durationMs,
      })
      .execute()
    return true
  })
}

/** The channel rows of these ids (any team): the delivery worker's read. */
export async function channelsByIds(db: Kysely<DB>, ids: string[]): Promise<ChannelRow[]> {
  if (ids.length === 0) return []
  return db.selectFrom('notification_channels').selectAll().where('id', 'in', ids).execute()
}
