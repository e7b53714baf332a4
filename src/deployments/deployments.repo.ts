import type { Kysely } from 'kysely'
import { preparedQuery } from '../db/prepared.js'
import type {
  DB,
  DeploymentAction,
  DeploymentStatus,
  DeploymentTable,
  DeploymentTrigger,
  LogStream,
  ResourceType,
  ServerTable,
} from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import { NotFoundError } from '../errors.js'
import { lockServerRow } from '../servers/servers.repo.js'
import type { Resource } from '../services/services.repo.js'

export type DeploymentRow = DeploymentTable

export type NewDeployment = {
  teamId: string
  resource: Pick<Resource, 'type' | 'id' | 'name'>
  server: Pick<ServerTable, 'id' | 'name'>
  action: DeploymentAction
  trigger: DeploymentTrigger
  /** The actor's name, shown as who queued it. */
  createdBy: string
  force?: boolean
  pull?: boolean
  stopBeforeStart?: boolean
  /** For a `remove`: delete the named volumes too. */
  removeVolumes?: boolean
  /** Deploy this compose version instead of the resource's current one (a rollback). */
  targetVersion?: number
  /** The failed deployment an automatic rollback answers. */
  rollbackOf?: string
  /** A Git deployment: the branch or commit to build; with targetVersion, the commit rolled back to (no build). */
  git?: { ref: string; commit?: string; message?: string | null; author?: string | null; image?: string | null }
}

/** Records a queued deployment: every way of queueing one (deploy, stop, restart, remove) builds its row here. */
export async function insertQueued(db: Kysely<DB>, input: NewDeployment): Promise<DeploymentRow> {
  const row: DeploymentRow = {
    id: newId(),
    team_id: input.teamId,
    resource_type: input.resource.type,
    resource_id: input.resource.id,
    resource_name: input.resource.name,
    server_id: input.server.id,
    server_name: input.server.name,
    action: input.action,
    status: 'queued',
    trigger: input.trigger,
    compose_version: null,
    force: input.force ? 1 : 0,
    pull_latest_images: input.pull ? 1 : 0,
    stop_before_start: input.stopBeforeStart ? 1 : 0,
    exit_code: null,
    message: null,
    remove_volumes: input.removeVolumes ? 1 : 0,
    target_version: input.targetVersion ?? null,
    rollback_of: input.rollbackOf ?? null,
    git_ref: input.git?.ref ?? null,
    git_commit: input.git?.commit ?? null,
    git_message: input.git?.message ?? null,
    git_author: input.git?.author ?? null,
    image: input.git?.image ?? null,
    created_by: input.createdBy,
    created_at: nowIso(),
    started_at: null,
    finished_at: null,
  }
  await db.insertInto('deployments').values(row).execute()
  return row
}

/**
 * The compose version of the resource's latest deployment that passed (finished a deploy or
 * restart), other than `except`: what an automatic rollback goes back to.
 */
export async function lastPassedVersion(db: Kysely<DB>, resourceId: string, except: number | null) {
  let query = db
    .selectFrom('deployments')
    .select('compose_version')
    .where('resource_id', '=', resourceId)
    .where('status', '=', 'finished')
    .where('action', 'in', ['deploy', 'restart'])
    .where('compose_version', 'is not', null)
  if (except !== null) query = query.where('compose_version', '!=', except)
  const row = await query.orderBy('finished_at', 'desc').limit(1).executeTakeFirst()
  return row?.compose_version ?? undefined
}

/** The queued deployments of a resource (to cancel them when it is deleted). */
export async function listQueuedOf(db: Kysely<DB>, resourceId: string) {
  return db
    .selectFrom('deployments')
    .selectAll()
    .where('resource_id', '=', resourceId)
    .where('status', '=', 'queued')
    .execute()
}

/** Whether a resource was ever deployed (anything but a removal was recorded for it). */
export async function wasDeployed(db: Kysely<DB>, resourceId: string): Promise<boolean> {
  const row = await db
    .selectFrom('deployments')
    .select('id')
    .where('resource_id', '=', resourceId)
    .where('action', '!=', 'remove')
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** Whether a server has deployments queued or running (it may not be deleted then). */
export async function hasActiveOnServer(db: Kysely<DB>, serverId: string): Promise<boolean> {
  const row = await db
    .selectFrom('deployments')
    .select('id')
    .where('server_id', '=', serverId)
    .where('status', 'in', ACTIVE)
    .executeTakeFirst()
  return row !== undefined
}

/** Asks the worker running a deployment (in whichever process) to stop it: it reads this on its next heartbeat. */
export async function requestCancel(db: Kysely<DB>, id: string, by: string) {
  await db.updateTable('deployments').set({ cancel_requested_by: by }).where('id', '=', id).execute()
}

/** The compose version a running deployment deploys. */
export async function setComposeVersion(db: Kysely<DB>, id: string, version: number) {
  await db.updateTable('deployments').set({ compose_version: version }).where('id', '=', id).execute()
}

/** What a Git deployment built, once its commit is resolved and its image tagged. */
export async function setGitBuild(
  db: Kysely<DB>,
  id: string,
  build: { commit: string; message: string; author: string; image: string | null },
) {
  await db
    .updateTable('deployments')
    .set({ git_commit: build.commit, git_message: build.message, git_author: build.author, image: build.image })
    .where('id', '=', id)
    .execute()
}

/** A queued Git deployment takes the newer ref (a push coalesced into it). */
export async function setGitRef(db: Kysely<DB>, id: string, ref: string) {
  await db.updateTable('deployments').set({ git_ref: ref }).where('id', '=', id).execute()
}

/**
 * The images of a service's latest `keep` successful Git deployments (builds and rollbacks): the
 * ones image pruning keeps.
 */
/** The commits of a service's latest `keep` successful Git deployments (their images are what rollbacks redeploy). */
export async function recentBuildCommits(db: Kysely<DB>, resourceId: string, keep: number): Promise<string[]> {
  const rows = await db
    .selectFrom('deployments')
    .select('git_commit')
    .where('resource_id', '=', resourceId)
    .where('status', '=', 'finished')
    .where('git_commit', 'is not', null)
    .orderBy('finished_at', 'desc')
    .execute()
  return [...new Set(rows.map((r) => r.git_commit!))].slice(0, keep)
}

/** The pid of the compose process group a deployment runs now, so a restarted Berth can stop a leftover one. */
export async function setProcessId(db: Kysely<DB>, id: string, pid: number) {
  await db.updateTable('deployments').set({ process_id: pid }).where('id', '=', id).execute()
}

/** Deployments by status and queued ones per server, for the metrics endpoint. */
export async function countByStatus(db: Kysely<DB>) {
  return db
    .selectFrom('deployments')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('status')
    .execute()
}

export async function countQueuedByServerName(db: Kysely<DB>) {
  return db
    .selectFrom('deployments')
    .select(['server_name', (eb) => eb.fn.countAll<number>().as('n')])
    .where('status', '=', 'queued')
    .groupBy('server_name')
    .execute()
}

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

// The deployments list the UI polls: compiled once.
const selectActive = preparedQuery((db, teamId: string) =>
  db
    .selectFrom('deployments')
    .selectAll()
    .where('team_id', '=', teamId)
    .where('status', 'in', ACTIVE)
    .orderBy('created_at', 'desc')
    .limit(1000),
)

/** Team-wide queued and running deployments, newest first. */
export async function listActive(db: Kysely<DB>, teamId: string) {
  return (await selectActive(db, teamId)).rows
}

/** A page of the team's whole history (any status), newest first, with the total count. */
// The deployments page of the UI: compiled once.
const countForTeam = preparedQuery((db, teamId: string) =>
  db
    .selectFrom('deployments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('team_id', '=', teamId),
)
const pageForTeam = preparedQuery((db, teamId: string, take: number, skip: number) =>
  db
    .selectFrom('deployments')
    .selectAll()
    .where('team_id', '=', teamId)
    .orderBy('created_at', 'desc')
    .limit(take)
    .offset(skip),
)

export async function listTeam(db: Kysely<DB>, teamId: string, skip: number, take: number) {
  const [count, page] = await Promise.all([countForTeam(db, teamId), pageForTeam(db, teamId, take, skip)])
  return { count: Number(count.rows[0]!.n), deployments: page.rows }
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
  {
    teamId,
    type,
    resourceId,
    skip,
    take,
  }: { teamId: string; type: ResourceType; resourceId: string; skip: number; take: number },
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
    await lockServerRow(trx, serverId)
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
    .select([
      'id',
      'team_id',
      'resource_id',
      'resource_type',
      'resource_name',
      'server_id',
      'server_name',
      'action',
      'process_id',
      'claimed_by',
    ])
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

/** Ends a queued or running deployment with its outcome (an ended one stays as it is). */
export async function markFinished(
  db: Kysely<DB>,
  id: string,
  { status, exitCode, message }: { status: DeploymentStatus; exitCode: number | null; message: string },
): Promise<boolean> {
  const ended = await db
    .updateTable('deployments')
    .set({ status, exit_code: exitCode, message, finished_at: nowIso() })
    .where('id', '=', id)
    .where('status', 'in', ACTIVE)
    .executeTakeFirst()
  return Number(ended.numUpdatedRows) > 0
}

/**
 * The status of the resource's latest ended deploy or restart other than `exceptId` (finished or
 * failed), or undefined: whether a success is a recovery after failures.
 */
export async function previousOutcome(db: Kysely<DB>, resourceId: string, exceptId: string) {
  const row = await db
    .selectFrom('deployments')
    .select('status')
    .where('resource_id', '=', resourceId)
    .where('id', '!=', exceptId)
    .where('action', 'in', ['deploy', 'restart'])
    .where('status', 'in', ['finished', 'failed'])
    .orderBy('finished_at', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row?.status
}

/** The last `count` visible lines of a deployment's log, oldest first (stored redacted). */
export async function lastLogLines(db: Kysely<DB>, deploymentId: string, count: number): Promise<string[]> {
  const rows = await db
    .selectFrom('deployment_logs')
    .select('output')
    .where('deployment_id', '=', deploymentId)
    .where('hidden', '=', 0)
    .orderBy('seq', 'desc')
    .limit(count)
    .execute()
  return rows.map((r) => r.output).reverse()
}

/**
 * Marks a running deployment failed unless it already ended (or another process recovered it
 * first); true when this call ended it.
 */
export async function failRunning(db: Kysely<DB>, id: string, message: string): Promise<boolean> {
  const ended = await db
    .updateTable('deployments')
    .set({ status: 'failed', message, finished_at: nowIso() })
    .where('id', '=', id)
    .where('status', '=', 'in_progress')
    .executeTakeFirst()
  return Number(ended.numUpdatedRows) > 0
}

// Log sequence numbers come from here only: a log's lines are numbered 1, 2, ... in the order stored.

/** The sequence number the next line of a deployment's log gets. */
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

/**
 * Appends Berth's own lines (stream "berth": why a deployment was cancelled or failed) to a
 * deployment's log, numbered after its last line. Use inside the transaction that ends it.
 */
export async function appendBerthLines(db: Kysely<DB>, deploymentId: string, lines: string[]): Promise<void> {
  let seq = await nextLogSeq(db, deploymentId)
  const ts = nowIso()
  for (const output of lines) {
    await db
      .insertInto('deployment_logs')
      .values({ deployment_id: deploymentId, seq: seq++, ts, stream: 'berth', output, hidden: 0 })
      .execute()
  }
  linesStored += lines.length
}

// The log writer's batches: multi-row inserts compiled once (see db/prepared.ts), since building
// a Kysely query per batch costs more than SQLite takes to store it. 6 columns x 100 rows stays
// far below SQLite's bound-value limit; a batch's tail goes in tens, then ones, so a batch of up
// to 2,000 lines takes at most 37 statements.

/** A log row as cells in column order: deployment_id, seq, ts, stream, output, hidden (0/1). */
export type LogCell = string | number
export const LOG_COLUMNS = 6
const INSERT_SIZES = [100, 10, 1]
function insertLogRows(rows: number) {
  return preparedQuery((db, ...v: LogCell[]) =>
    db.insertInto('deployment_logs').values(
      Array.from({ length: rows }, (_, r) => ({
        deployment_id: v[r * LOG_COLUMNS] as string,
        seq: v[r * LOG_COLUMNS + 1] as number,
        ts: v[r * LOG_COLUMNS + 2] as string,
        stream: v[r * LOG_COLUMNS + 3] as LogStream,
        output: v[r * LOG_COLUMNS + 4] as string,
        hidden: v[r * LOG_COLUMNS + 5] as number,
      })),
    ),
  )
}
const logInserts = INSERT_SIZES.map((rows) => ({ cells: rows * LOG_COLUMNS, run: insertLogRows(rows) }))

/** Stores a batch of log rows (a flat list of cells, LOG_COLUMNS per row) in one transaction. */
export async function insertLogBatch(db: Kysely<DB>, cells: LogCell[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    let at = 0
    for (const insert of logInserts) {
      for (; at + insert.cells <= cells.length; at += insert.cells)
        await insert.run(trx, ...cells.slice(at, at + insert.cells))
    }
  })
  linesStored += cells.length / LOG_COLUMNS
}

// Rows are keyed by deployment and sequence number, with no running id to read a total from, so
// the lines stored are counted as they commit: per process, as Prometheus counters are.
let linesStored = 0

/** Deployment log lines this process has stored since it started. */
export const logLinesStored = () => linesStored

/** The team's deployments created since an instant, plus any still queued or running, newest first. */
export async function listTeamSince(db: Kysely<DB>, teamId: string, since: string) {
  return db
    .selectFrom('deployments')
    .selectAll()
    .where('team_id', '=', teamId)
    .where((eb) => eb.or([eb('created_at', '>=', since), eb('status', 'in', ACTIVE)]))
    .orderBy('created_at', 'desc')
    .limit(1000)
    .execute()
}

/** The newest deployment of each of the team's resources (its last word on each). */
export async function latestPerResource(db: Kysely<DB>, teamId: string) {
  return db
    .selectFrom('deployments as d')
    .selectAll()
    .where('d.team_id', '=', teamId)
    .where('d.resource_type', '!=', 'proxy')
    .where('d.created_at', '=', (eb) =>
      eb
        .selectFrom('deployments as newer')
        .select((n) => n.fn.max('newer.created_at').as('at'))
        .whereRef('newer.resource_id', '=', 'd.resource_id'),
    )
    .execute()
}
