import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { SecretCipher } from '../crypto/cipher.js'
import type { DB } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import type { FinishedHook } from '../deployments/deployment-runner.js'
import { lastLogLines, previousOutcome } from '../deployments/deployments.repo.js'
import { BadRequestError, ConflictError, NotFoundError, UnprocessableError } from '../errors.js'
import { findTeamProject } from '../projects/projects.repo.js'
import { CONNECT_TO_DOMAIN, type ConnectTo, certificateExpiry } from '../proxy/certificate-probe.js'
import { listTlsDomains } from '../proxy/proxy.repo.js'
import { freePercent, type CheckedServer, type ServerState } from '../servers/server-monitor.js'
import type { SyncRun } from '../proxy/sync/proxy.sync.js'
import { INSTANCE_TEAM_ID } from '../deployments/deployments.service.js'
import { findTeamService } from '../services/services.repo.js'
import {
  type ChannelRow,
  channelNameTaken,
  deleteChannel,
  enabledChannels,
  findChannel,
  foldIntoWaiting,
  latestAboutResource,
  insertChannel,
  insertOutbox,
  listChannels,
  listDeliveries,
  recordState,
  updateChannel,
} from './notifications.repo.js'
import { LOG_LINES_IN_MESSAGE, linkTo, maskUrl, renderDeployment } from './notifications.render.js'
import {
  type ChannelConfig,
  type ChannelEvent,
  type ChannelType,
  type CreateChannelInput,
  channelConfigs,
  DEFAULT_EVENTS,
  type NotificationPayload,
  RULE_KEYS,
  SECRET_FIELDS,
  type UpdateChannelInput,
} from './notifications.types.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  cipher: SecretCipher
  /** Berth's public URL for links, or undefined (links are paths then). */
  publicUrl: string | undefined
  /** Storm grouping window (BERTH_NOTIFICATION_GROUP_SECONDS): one message per channel per resource. */
  groupMs: number
  /** Asks the delivery worker to look for due messages now (after a commit). */
  wake?: () => void
}

/** Something that happened, for the channels that subscribe to its event. */
export type Fact = {
  /** The team whose channels hear it; INSTANCE_TEAM_ID for the instance channels. */
  teamId: string
  event: ChannelEvent
  /** The project it is about, for project rules; null when about no one project (a server, the proxy). */
  projectId: string | null
  /** What it is about, for storm grouping ("server:<id>"); null: never grouped. */
  resourceKey: string | null
  /** One line: what happened to what; already redacted. */
  summary: string
  /** Further lines (where, why); already redacted. */
  details: string[]
  /** The page in the UI it links to. */
  path: string
  /** Machine-readable facts for the generic webhook body. */
  subject?: Record<string, unknown>
}

export type NotificationsService = ReturnType<typeof createNotificationsService>

/** A channel as the API shows it: URLs masked, secrets never (only whether one is set). */
function channelView(row: ChannelRow, config: ChannelConfig) {
  const c = config as Record<string, unknown>
  const settings = Object.fromEntries(
    Object.entries(c).filter(([k]) => !(SECRET_FIELDS as readonly string[]).includes(k) && k !== 'url' && k !== 'ca'),
  )
  return {
    id: row.id,
    name: row.name,
    type: row.type as ChannelType,
    url: typeof c.url === 'string' ? maskUrl(c.url) : null,
    has_secret: SECRET_FIELDS.some((k) => typeof c[k] === 'string'),
    settings,
    events: JSON.parse(row.events) as ChannelEvent[],
    project_ids: row.project_ids === null ? null : (JSON.parse(row.project_ids) as string[]),
    enabled: row.enabled === 1,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

export function createNotificationsService({ db, audit, cipher, publicUrl, groupMs, wake }: Deps) {
  const configOf = (row: ChannelRow): ChannelConfig => JSON.parse(cipher.decrypt(row.config)) as ChannelConfig
  const view = (row: ChannelRow) => channelView(row, configOf(row))

  async function list(teamId: string) {
    return (await listChannels(db, teamId)).map(view)
  }

  async function get(teamId: string, id: string): Promise<ChannelRow> {
    const row = await findChannel(db, teamId, id)
    if (!row) throw new NotFoundError(`Notification channel ${id} was not found.`)
    return row
  }

  /** Creates a channel; a webhook without a secret gets a generated one, returned here once. */
  async function create(teamId: string, input: CreateChannelInput, actor: Actor) {
    const { name, type, events, project_ids, enabled, ...settings } = input
    const generated =
      type === 'webhook' && input.secret === undefined ? `whsec_${randomBytes(24).toString('base64url')}` : undefined
    const config = { ...settings, ...(generated && { secret: generated }) }
    const now = nowIso()
    const row: ChannelRow = {
      id: newId(),
      team_id: teamId,
      name,
      type,
      config: cipher.encrypt(JSON.stringify(config)),
      events: JSON.stringify(events ?? DEFAULT_EVENTS),
      project_ids: project_ids ? JSON.stringify(project_ids) : null,
      enabled: enabled === false ? 0 : 1,
      created_at: now,
      updated_at: now,
    }
    await db.transaction().execute(async (trx) => {
      if (await channelNameTaken(trx, teamId, name))
        throw new ConflictError('name_taken', `A notification channel named ${name} already exists.`)
      await checkProjects(trx, teamId, project_ids)
      await insertChannel(trx, row)
      await audit.record(trx, actor, {
        action: 'notification_channel.created',
        resourceType: 'notification_channel',
        resourceId: row.id,
        details: { name, type, events: JSON.parse(row.events), project_ids: project_ids ?? null },
      })
    })
    return { channel: view(row), signingSecret: generated }
  }

  async function update(teamId: string, id: string, input: UpdateChannelInput, actor: Actor) {
    const settings = Object.fromEntries(
      Object.entries(input).filter(([k, v]) => v !== undefined && !(RULE_KEYS as readonly string[]).includes(k)),
    )
    return db.transaction().execute(async (trx) => {
      const row = await findChannel(trx, teamId, id)
      if (!row) throw new NotFoundError(`Notification channel ${id} was not found.`)
      if (input.name !== undefined && (await channelNameTaken(trx, teamId, input.name, id)))
        throw new ConflictError('name_taken', `A notification channel named ${input.name} already exists.`)
      await checkProjects(trx, teamId, input.project_ids)
      const type = row.type as ChannelType
      const merged = channelConfigs[type].strict().safeParse({ ...configOf(row), ...settings })
      if (!merged.success)
        throw new BadRequestError(
          'invalid_settings',
          `These settings do not fit a ${type} channel: ${merged.error.issues.map((i) => i.path.join('.') || i.message).join(', ')}.`,
        )
      const changes = {
        ...(input.name !== undefined && { name: input.name }),
        ...(Object.keys(settings).length > 0 && { config: cipher.encrypt(JSON.stringify(merged.data)) }),
        ...(input.events !== undefined && { events: JSON.stringify(input.events) }),
        ...(input.project_ids !== undefined && {
          project_ids: input.project_ids === null ? null : JSON.stringify(input.project_ids),
        }),
        ...(input.enabled !== undefined && { enabled: input.enabled ? 1 : 0 }),
      }
      const updatedAt = await updateChannel(trx, id, changes)
      await audit.record(trx, actor, {
        action: 'notification_channel.updated',
        resourceType: 'notification_channel',
        resourceId: id,
        // Names of what changed, never a URL or secret.
        details: {
          changed: Object.keys(input).filter((k) => input[k as keyof UpdateChannelInput] !== undefined),
          ...(input.events !== undefined && { events: input.events }),
          ...(input.project_ids !== undefined && { project_ids: input.project_ids }),
        },
      })
      return view({ ...row, ...changes, updated_at: updatedAt })
    })
  }

  async function remove(teamId: string, id: string, actor: Actor) {
    await db.transaction().execute(async (trx) => {
      const row = await findChannel(trx, teamId, id)
      if (!row) throw new NotFoundError(`Notification channel ${id} was not found.`)
      await deleteChannel(trx, id)
      await audit.record(trx, actor, {
        action: 'notification_channel.deleted',
        resourceType: 'notification_channel',
        resourceId: id,
        details: { name: row.name, type: row.type },
      })
    })
  }

  /** Queues a "test" message to one channel (enabled or not), audited; the worker delivers it. */
  async function sendTest(teamId: string, id: string, actor: Actor) {
    const outboxId = await db.transaction().execute(async (trx) => {
      const row = await findChannel(trx, teamId, id)
      if (!row) throw new NotFoundError(`Notification channel ${id} was not found.`)
      const summary = `Test notification for channel ${row.name}`
      const payload: NotificationPayload = {
        id: newId(),
        event: 'test',
        occurred_at: nowIso(),
        team_id: teamId,
        summary,
        text: `${summary}, sent by ${actor.name}. If you can read this, Berth can reach this channel.`,
        link: linkTo(publicUrl, '/team/notifications'),
      }
      await enqueue(trx, row.id, payload, null)
      await audit.record(trx, actor, {
        action: 'notification_channel.tested',
        resourceType: 'notification_channel',
        resourceId: id,
        details: { name: row.name, notification_id: payload.id },
      })
      return payload.id
    })
    wake?.()
    return { notification_id: outboxId }
  }

  /**
   * Queues one message to a channel. With a resource key, storm grouping applies: within the
   * grouping window after the channel's last message about that resource, the next one waits for
   * the window to end, and later events are folded into that waiting one (which then carries the
   * newest event and how many it stands for).
   */
  async function enqueue(trx: Kysely<DB>, channelId: string, payload: NotificationPayload, resourceKey: string | null) {
    const now = nowIso()
    let due = now
    if (resourceKey !== null && groupMs > 0) {
      const latest = await latestAboutResource(trx, channelId, resourceKey)
      // The window runs from when the latest was delivered (its record's time) or, while it is in
      // flight, from now: it may be landing right now, and the window must never start before it.
      const inFlight = Boolean(latest?.claimed_by)
      const sentAt = inFlight ? now : latest?.next_attempt_at
      const windowEnd = sentAt ? new Date(Date.parse(sentAt) + groupMs).toISOString() : now
      if (latest && windowEnd > now) {
        const waiting = latest.status === 'pending' && latest.attempts === 0 && latest.next_attempt_at > now
        const newest = {
          event: payload.event,
          summary: payload.summary,
          payload: JSON.stringify({ ...payload, id: latest.id }),
        }
        if (waiting && (await foldIntoWaiting(trx, latest.id, newest))) return
        due = waiting ? now : windowEnd
      }
    }
    await insertOutbox(trx, {
      id: payload.id,
      team_id: payload.team_id,
      channel_id: channelId,
      event: payload.event,
      summary: payload.summary,
      payload: JSON.stringify(payload),
      resource_key: resourceKey,
      grouped: 0,
      status: 'pending',
      attempts: 0,
      next_attempt_at: due,
      claimed_by: null,
      claimed_at: null,
      last_error: null,
      last_status_code: null,
      delivered_at: null,
      created_at: now,
    })
  }

  /** The team's enabled channels whose rule covers the project (with the events each subscribes to). */
  async function channelsFor(trx: Kysely<DB>, teamId: string, projectId: string | null) {
    return (await enabledChannels(trx, teamId))
      .filter((c) => coversProject(c, projectId))
      .map((c) => ({ row: c, events: new Set(JSON.parse(c.events) as ChannelEvent[]) }))
  }

  /**
   * Queues a fact to every enabled channel of its team (or the instance's channels) that subscribes
   * to its event and whose project rule covers it. Call it inside the transaction that records the
   * fact, so a rolled-back change sends nothing and a committed one is never lost (the worker's
   * next poll, within a second, picks it up).
   */
  async function notify(trx: Kysely<DB>, fact: Fact): Promise<void> {
    const channels = (await channelsFor(trx, fact.teamId, fact.projectId)).filter((c) => c.events.has(fact.event))
    if (channels.length === 0) return
    const link = linkTo(publicUrl, fact.path)
    const text = [fact.summary, ...fact.details, `Open: ${link}`].join('\n')
    for (const { row } of channels)
      await enqueue(
        trx,
        row.id,
        {
          id: newId(),
          event: fact.event,
          occurred_at: nowIso(),
          team_id: fact.teamId,
          summary: fact.summary,
          text,
          link,
          ...(fact.subject && { subject: fact.subject }),
        },
        fact.resourceKey,
      )
  }

  /**
   * The deployments' outcome hook: in the transaction that records the outcome, one outbox row per
   * enabled channel of the team that subscribes to the event. A success after a failure is
   * "recovered" for channels that ask for it (and "succeeded" for those that ask only for that).
   */
  const onDeploymentFinished: FinishedHook = async (trx, d, outcome) => {
    const failed = outcome.status === 'failed'
    // A finished stop, removal or attach is routine; only deploys and restarts report success.
    if (outcome.status === 'finished' && d.action !== 'deploy' && d.action !== 'restart') return
    const project = await projectOf(trx, d.team_id, d.resource_id)
    const channels = await channelsFor(trx, d.team_id, project?.id ?? null)
    // Each channel gets the most specific event it subscribes to, in this order of preference.
    const preference: ChannelEvent[] =
      outcome.status === 'cancelled-by-user'
        ? ['deployment.cancelled']
        : failed
          ? outcome.message.startsWith('health check failed')
            ? ['deployment.health_failed', 'deployment.failed']
            : ['deployment.failed']
          : (await previousOutcome(trx, d.resource_id, d.id)) === 'failed'
            ? ['deployment.recovered', 'deployment.succeeded']
            : ['deployment.succeeded']
    const wanted = channels
      .map(({ row, events }) => ({ row, event: preference.find((e) => events.has(e)) }))
      .filter((c): c is { row: ChannelRow; event: ChannelEvent } => c.event !== undefined)
    if (wanted.length === 0) return
    const logLines = failed ? await lastLogLines(trx, d.id, LOG_LINES_IN_MESSAGE) : []
    const deployment: NonNullable<NotificationPayload['deployment']> = {
      id: d.id,
      action: d.action,
      status: outcome.status,
      message: outcome.message,
      resource: { type: d.resource_type, id: d.resource_id, name: d.resource_name },
      project: project?.name ?? null,
      server: d.server_name,
      last_log_lines: logLines.map(outcome.redact),
    }
    const occurredAt = nowIso()
    for (const { row, event } of wanted) {
      const rendered = renderDeployment({ event, deployment, publicUrl })
      await enqueue(
        trx,
        row.id,
        {
          id: newId(),
          event,
          occurred_at: occurredAt,
          team_id: d.team_id,
          summary: outcome.redact(rendered.summary),
          text: outcome.redact(rendered.text),
          link: rendered.link,
          deployment,
        },
        `${d.resource_type}:${d.resource_id}`,
      )
    }
  }

  async function deliveries(teamId: string, page: { skip: number; take: number }) {
    const { rows, attempts, total } = await listDeliveries(db, teamId, page)
    return {
      total,
      deliveries: rows.map((r) => ({
        id: r.id,
        channel_id: r.channel_id,
        channel_name: r.channel_name ?? null,
        channel_type: (r.channel_type ?? null) as ChannelType | null,
        event: r.event,
        summary: r.summary,
        status: r.status,
        attempts: r.attempts,
        next_attempt_at: r.status === 'pending' ? r.next_attempt_at : null,
        last_error: r.last_error,
        last_status_code: r.last_status_code,
        delivered_at: r.delivered_at,
        created_at: r.created_at,
        log: attempts
          .filter((a) => a.outbox_id === r.id)
          .map((a) => ({
            attempt: a.attempt,
            at: a.at,
            ok: a.ok === 1,
            status_code: a.status_code,
            error: a.error,
            duration_ms: a.duration_ms,
          })),
      })),
    }
  }

  /**
   * A fact about a server (it stopped or started answering, its disk went low, its proxy went
   * down): the instance's channels hear it, and the owning team's (a shared server has none). The
   * state behind it lives in memory (servers/server-monitor.ts, proxy-runtime/proxy-watch.ts), so the
   * messages are the only thing this transaction stores.
   */
  async function notifyAboutServer(
    server: CheckedServer,
    fact: Pick<Fact, 'event' | 'resourceKey' | 'summary' | 'details' | 'path'>,
    state?: { key: string; value: string; firstCounts: boolean; tell: boolean },
  ) {
    const subject = { server: { id: server.id, name: server.name } }
    await db.transaction().execute(async (trx) => {
      // Recorded with the messages: a failed write leaves the state unchanged for the next check.
      if (state && (!(await recordState(trx, state.key, state.value, state.firstCounts)) || !state.tell)) return
      for (const teamId of [INSTANCE_TEAM_ID, ...(server.team_id ? [server.team_id] : [])])
        await notify(trx, { ...fact, projectId: null, subject, teamId })
    })
  }

  /**
   * A server's reachability as one process's check found it: told when it differs from what was last
   * reported (by any process), and a first record only when the server is down.
   */
  function serverReachability(server: CheckedServer, state: Pick<ServerState, 'reachable' | 'error'>) {
    const key = `server:${server.id}`
    const value = state.reachable ? 'up' : 'down'
    return notifyAboutServer(
      server,
      {
        event: state.reachable ? 'server.back' : 'server.unreachable',
        resourceKey: key,
        summary: state.reachable ? `Server ${server.name} answers again` : `Server ${server.name} is unreachable`,
        details: state.error ? [`Error: ${state.error}`] : [],
        path: `/servers/${server.id}`,
      },
      { key, value, firstCounts: !state.reachable, tell: true },
    )
  }

  /** A server's engine disk crossed the low threshold (either way): told when it went low, once across processes. */
  function serverDisk(server: CheckedServer, disk: NonNullable<ServerState['disk']>, low: boolean) {
    const key = `disk:${server.id}`
    return notifyAboutServer(
      server,
      {
        event: 'server.disk_low',
        resourceKey: key,
        summary: `Server ${server.name} is low on disk space: ${freePercent(disk).toFixed(1)}% free`,
        details: [
          `Free: ${gib(disk.free_bytes)} of ${gib(disk.total_bytes)}, under BERTH_DISK_LOW_PERCENT.`,
          'Deployments, builds and backups fail once it is full: remove unused images (docker image prune) or grow the disk.',
        ],
        path: `/servers/${server.id}`,
      },
      { key, value: low ? 'low' : 'ok', firstCounts: low, tell: low },
    )
  }

  /** A proxy Berth runs went down while it should run. */
  function proxyDown(server: CheckedServer, message: string) {
    return notifyAboutServer(server, {
      event: 'proxy.down',
      resourceKey: `proxy:${server.id}`,
      summary: `The proxy of ${server.name} is down`,
      details: [message],
      path: '/proxy',
    })
  }

  /**
   * A proxy sync run ended: the instance's channels hear a failure (once, until a run works again),
   * the recovery, and drift Berth repaired. The sync's state is in memory (proxy/sync/), so the
   * messages are all this transaction stores.
   */
  async function proxySyncRun(run: SyncRun, previous: SyncRun | null) {
    const facts: Omit<Fact, 'teamId' | 'projectId' | 'subject'>[] = []
    if (run.error !== null && (previous === null || previous.error === null))
      facts.push({
        event: 'proxy.sync_failed',
        resourceKey: 'proxy:sync',
        summary: 'The proxy configuration sync failed',
        details: [`Error: ${run.error}`],
        path: '/proxy',
      })
    if (run.error === null && previous?.error)
      facts.push({
        event: 'proxy.sync_recovered',
        resourceKey: 'proxy:sync',
        summary: 'The proxy configuration sync works again',
        details: [],
        path: '/proxy',
      })
    if (run.drift_repaired.length > 0)
      facts.push({
        event: 'proxy.drift_repaired',
        resourceKey: 'proxy:drift',
        summary: `Berth repaired ${run.drift_repaired.length} proxy configuration file(s) changed outside Berth`,
        details: run.drift_repaired.slice(0, 20).map((f) => `  ${f}`),
        path: '/proxy',
      })
    if (facts.length === 0) return
    await db.transaction().execute(async (trx) => {
      for (const f of facts) await notify(trx, { ...f, teamId: INSTANCE_TEAM_ID, projectId: null })
    })
  }

  /**
   * Connects to every TLS domain (a daily job) and tells the team's channels about a certificate
   * that expires within `withinDays`. A domain that does not answer is skipped: the proxy's own
   * events tell of that.
   */
  async function checkCertificates(withinDays: number, connectTo: ConnectTo = CONNECT_TO_DOMAIN) {
    const soon = Date.now() + withinDays * 86_400_000
    const expiring: { domain: Awaited<ReturnType<typeof listTlsDomains>>[number]; expires: Date }[] = []
    for (const domain of await listTlsDomains(db)) {
      const expires = await certificateExpiry(domain.full_domain, connectTo).catch(() => null)
      if (expires && expires.getTime() <= soon) expiring.push({ domain, expires })
    }
    if (expiring.length === 0) return
    await db.transaction().execute(async (trx) => {
      for (const { domain, expires } of expiring) {
        const days = Math.max(0, Math.floor((expires.getTime() - Date.now()) / 86_400_000))
        await notify(trx, {
          teamId: domain.team_id,
          event: 'certificate.expiring',
          projectId: domain.project_id,
          resourceKey: `domain:${domain.id}`,
          summary: `The TLS certificate of ${domain.full_domain} expires in ${days} day${days === 1 ? '' : 's'}`,
          details: [`Expires: ${expires.toISOString()}`],
          path: `/projects/${domain.project_id}`,
          subject: { domain: { id: domain.id, name: domain.full_domain }, expires_at: expires.toISOString() },
        })
      }
    })
  }

  return {
    checkCertificates,
    proxySyncRun,
    list,
    get,
    create,
    update,
    remove,
    sendTest,
    deliveries,
    onDeploymentFinished,
    notify,
    serverReachability,
    serverDisk,
    proxyDown,
  }
}

/** A project rule may name only the team's own projects (instance channels hear no project's facts). */
async function checkProjects(trx: Kysely<DB>, teamId: string, projectIds: string[] | null | undefined) {
  for (const id of projectIds ?? []) {
    try {
      await findTeamProject(trx, teamId, id)
    } catch (error) {
      if (error instanceof NotFoundError)
        throw new UnprocessableError('unknown_project', `Project ${id} is not a project of this team.`, {
          project_id: id,
        })
      throw error
    }
  }
}

/** The project of a resource, or null when it is gone (a removal's deployment outlives its service). */
async function projectOf(trx: Kysely<DB>, teamId: string, resourceId: string) {
  try {
    const service = await findTeamService(trx, teamId, resourceId)
    return { id: service.project_id, name: service.project_name }
  } catch (error) {
    if (error instanceof NotFoundError) return null
    throw error
  }
}

/**
 * A channel's project rule: no list hears everything; a list hears only its projects' facts (not
 * those of a gone project, nor facts about no project, such as a server's).
 */
function coversProject(channel: ChannelRow, projectId: string | null): boolean {
  if (channel.project_ids === null) return true
  return projectId !== null && (JSON.parse(channel.project_ids) as string[]).includes(projectId)
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`
}
