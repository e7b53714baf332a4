import type { Kysely } from 'kysely'
import { preparedQuery } from '../db/prepared.js'
import type { DB, DeploymentStatus, DeploymentTable, ResourceType } from '../db/schema.js'
import { nowIso } from '../db/time.js'
import { NotFoundError } from '../errors.js'

export type DeploymentRow = DeploymentTable

const ACTIVE: DeploymentStatus[] = ['queued', 'in_progress']

const selectDeployment = preparedQuery((db, teamId: string, id: string) =>
  db.selectFrom('deployments').selectAll().where('id', '=', id).where('team_id', '=', teamId),
)

/** A deployment of the caller's team; any other is "not found". */
export async function findTeamDeployment(db: Kysely<DB>, teamId: string, id: string): Promise<DeploymentRow> {
  const row = (await selectDeployment(db, teamId, id)).rows[0]
  if (!row) throw new NotFoundError(`Deployment ${id} was not found.`)
  return row
}

export async function findDeployment(db: Kysely<DB>, id: string): Promise<DeploymentRow | undefined> {
  return db.selectFrom('deployments').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function findQueued(db: Kysely<DB>, resourceId: string, action: DeploymentTable['action']) {
  return db
    .selectFrom('deployments')
    .selectAll()
    .where('resource_id', '=', resourceId)
    .where('status', '=', 'queued')
    .where('action', '=', action)
    .orderBy('created_at')
    .executeTakeFirst()
}

export async function countQueued(db: Kysely<DB>, serverId: string): Promise<number> {
  const row = await db
    .selectFrom('deployments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('server_id', '=', serverId)
    .where('status', '=', 'queued')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Team-wide queued and running deployments, newest first. */
export async function listActive(db: Kysely<DB>, teamId: string) {
  return db
    .selectFrom('deployments')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('status', 'in', ACTIVE)
    .orderBy('created_at', 'desc')
    .limit(1000)
    .execute()
}

/** A page of the team's whole history (any status), newest first, with the total count. */
export async function listTeam(db: Kysely<DB>, teamId: string, skip: number, take: number) {
  const [count, rows] = await Promise.all([
    db
      .selectFrom('deployments')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('team_id', '=', teamId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('deployments')
      .selectAll()
      .where('team_id', '=', teamId)
      .orderBy('created_at', 'desc')
      .limit(take)
      .offset(skip)
      .execute(),
  ])
  return { count: Number(count.n), deployments: rows }
}

const countForResource = preparedQuery((db, teamId: string, resourceId: string, type: string) =>
  db
    .selectFrom('deployments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('resource_id', '=', resourceId)
    .where('team_id', '=', teamId)
    .where('resource_type', '=', type as ResourceType),
)
const pageForResource = preparedQuery(
  (db, teamId: string, resourceId: string, type: string, take: number, skip: number) =>
    db
      .selectFrom('deployments')
      .selectAll()
      .where('resource_id', '=', resourceId)
      .where('team_id', '=', teamId)
      .where('resource_type', '=', type as ResourceType)
      .orderBy('created_at', 'desc')
      .limit(take)
      .offset(skip),
)

/** One resource's history, newest first, with the total count. */
export async function listForResource(
  db: Kysely<DB>,
  teamId: string,
  type: ResourceType,
  resourceId: string,
  skip: number,
  take: number,
) {
  const [count, page] = await Promise.all([
    countForResource(db, teamId, resourceId, type),
    pageForResource(db, teamId, resourceId, type, take, skip),
  ])
  return { count: Number(count.rows[0]?.n ?? 0), deployments: page.rows }
}

/**
 * Moves up to (limit - running) of a server's oldest queued deployments to in_progress, never
 * two of the same resource at once. Runs in one transaction, and each update is conditional on
 * the row still being queued, so two claimers can never take the same deployment.
 */
export async function claimQueued(
  db: Kysely<DB>,
  serverId: string,
  concurrencyLimit: number,
  workerId: string,
): Promise<DeploymentRow[]> {
  return db.transaction().execute(async (trx) => {
    // Writing the server row first serializes claimers of one server: a row lock on PostgreSQL
    // (several Berth processes may share a database), the write lock on SQLite. Without it two
    // processes could each see a free slot and together exceed the server's concurrency limit.
    await trx
      .updateTable('servers')
      .set((eb) => ({ updated_at: eb.ref('updated_at') }))
      .where('id', '=', serverId)
      .execute()
    const running = await trx
      .selectFrom('deployments')
      .select(['id', 'resource_id'])
      .where('server_id', '=', serverId)
      .where('status', '=', 'in_progress')
      .execute()
    let free = concurrencyLimit - running.length
    if (free <= 0) return []
    const busy = new Set(running.map((r) => r.resource_id))
    const queued = await trx
      .selectFrom('deployments')
      .selectAll()
      .where('server_id', '=', serverId)
      .where('status', '=', 'queued')
      .orderBy('created_at')
      .limit(free + 50)
      .execute()
    const claimed: DeploymentRow[] = []
    const startedAt = nowIso()
    for (const row of queued) {
      if (free === 0) break
      if (busy.has(row.resource_id)) continue
      const result = await trx
        .updateTable('deployments')
        .set({ status: 'in_progress', started_at: startedAt, claimed_by: workerId, heartbeat_at: startedAt })
        .where('id', '=', row.id)
        .where('status', '=', 'queued')
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 0) continue
      busy.add(row.resource_id)
      claimed.push({
        ...row,
        status: 'in_progress',
        started_at: startedAt,
        claimed_by: workerId,
        heartbeat_at: startedAt,
      })
      free--
    }
    return claimed
  })
}

/**
 * Tells other Berth processes this worker still runs its deployments, and returns the ones a user
 * asked to cancel (through any process) since.
 */
export async function heartbeat(
  db: Kysely<DB>,
  workerId: string,
): Promise<{ id: string; cancel_requested_by: string }[]> {
  await db
    .updateTable('deployments')
    .set({ heartbeat_at: nowIso() })
    .where('claimed_by', '=', workerId)
    .where('status', '=', 'in_progress')
    .execute()
  const rows = await db
    .selectFrom('deployments')
    .select(['id', 'cancel_requested_by'])
    .where('claimed_by', '=', workerId)
    .where('status', '=', 'in_progress')
    .where('cancel_requested_by', 'is not', null)
    .execute()
  return rows.map((r) => ({ id: r.id, cancel_requested_by: r.cancel_requested_by! }))
}

/**
 * Running deployments nobody is running any more: with `includeOwn`, all that this worker id
 * claimed in an earlier life (or that predate worker ids); always, those whose worker stopped
 * sending heartbeats before `staleBefore`.
 */
export async function abandonedDeployments(db: Kysely<DB>, workerId: string, staleBefore: string, includeOwn: boolean) {
  return db
    .selectFrom('deployments')
    .select(['id', 'team_id', 'resource_id', 'resource_type', 'server_id', 'process_id', 'claimed_by'])
    .where('status', '=', 'in_progress')
    .where((eb) => {
      const stale = eb.and([eb('claimed_by', '!=', workerId), eb('heartbeat_at', '<', staleBefore)])
      return includeOwn ? eb.or([eb('claimed_by', '=', workerId), eb('claimed_by', 'is', null), stale]) : stale
    })
    .execute()
}

/** Servers with queued work (to wake their workers at start). */
export async function serversWithQueued(db: Kysely<DB>): Promise<string[]> {
  const rows = await db
    .selectFrom('deployments')
    .select('server_id')
    .distinct()
    .where('status', '=', 'queued')
    .execute()
  return rows.map((r) => r.server_id)
}

export async function markFinished(
  db: Kysely<DB>,
  id: string,
  status: DeploymentStatus,
  exitCode: number | null,
  message: string,
) {
  await db
    .updateTable('deployments')
    .set({ status, exit_code: exitCode, message, finished_at: nowIso() })
    .where('id', '=', id)
    .where('status', 'in', ACTIVE)
    .execute()
}

export async function nextLogSeq(db: Kysely<DB>, deploymentId: string): Promise<number> {
  const row = await db
    .selectFrom('deployment_logs')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('deployment_id', '=', deploymentId)
    .executeTakeFirst()
  return Number(row?.seq ?? 0) + 1
}

const pageLogs = preparedQuery((db, deploymentId: string, after: number, limit: number) =>
  db
    .selectFrom('deployment_logs')
    .select(['seq', 'ts', 'stream', 'output', 'hidden'])
    .where('deployment_id', '=', deploymentId)
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit),
)

export async function readLogs(db: Kysely<DB>, deploymentId: string, after: number, limit: number) {
  return (await pageLogs(db, deploymentId, after, limit)).rows
}
