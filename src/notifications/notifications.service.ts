import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Actor, AuditService } from '../audit/audit.service.js'
import type { SecretCipher } from '../crypto/cipher.js'
import type { DB } from '../db/schema.js'
import { newId, nowIso } from '../db/time.js'
import type { FinishedHook } from '../deployments/deployment-runner.js'
import { lastLogLines, previousOutcome } from '../deployments/deployments.repo.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { findTeamService } from '../services/services.repo.js'
import {
  type ChannelRow,
  channelNameTaken,
  deleteChannel,
  enabledChannels,
  findChannel,
  insertChannel,
  insertOutbox,
  listChannels,
  listDeliveries,
  updateChannel,
} from './notifications.repo.js'
import { LOG_LINES_IN_MESSAGE, linkTo, maskUrl, renderDeployment } from './notifications.render.js'
import {
  type ChannelEvent,
  type ChannelSecrets,
  type ChannelType,
  type CreateChannelInput,
  DEFAULT_EVENTS,
  type NotificationEvent,
  type NotificationPayload,
  type UpdateChannelInput,
} from './notifications.types.js'

type Deps = {
  db: Kysely<DB>
  audit: Pick<AuditService, 'record'>
  cipher: SecretCipher
  /** Berth's public URL for links, or undefined (links are paths then). */
  publicUrl: string | undefined
  /** Asks the delivery worker to look for due messages now (after a commit). */
  wake?: () => void
}

export type NotificationsService = ReturnType<typeof createNotificationsService>

/** A channel as the API shows it: the URL masked, the signing secret never. */
export function channelView(row: ChannelRow, secrets: ChannelSecrets) {
  return {
    id: row.id,
    name: row.name,
    type: row.type as ChannelType,
    url: maskUrl(secrets.url),
    has_secret: secrets.secret !== undefined,
    events: JSON.parse(row.events) as ChannelEvent[],
    enabled: row.enabled === 1,
    created_at: row.created_at,
    updated_at: row.updated_at,
  }
}

export function createNotificationsService({ db, audit, cipher, publicUrl, wake }: Deps) {
  const secretsOf = (row: ChannelRow): ChannelSecrets => JSON.parse(cipher.decrypt(row.config)) as ChannelSecrets
  const view = (row: ChannelRow) => channelView(row, secretsOf(row))

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
    const secret =
      input.type === 'webhook' ? (input.secret ?? `whsec_${randomBytes(24).toString('base64url')}`) : undefined
    const now = nowIso()
    const row: ChannelRow = {
      id: newId(),
      team_id: teamId,
      name: input.name,
      type: input.type,
      config: cipher.encrypt(JSON.stringify({ url: input.url, ...(secret && { secret }) } satisfies ChannelSecrets)),
      events: JSON.stringify(input.events ?? DEFAULT_EVENTS),
      enabled: input.enabled === false ? 0 : 1,
      created_at: now,
      updated_at: now,
    }
    await db.transaction().execute(async (trx) => {
      if (await channelNameTaken(trx, teamId, input.name))
        throw new ConflictError('name_taken', `A notification channel named ${input.name} already exists.`)
      await insertChannel(trx, row)
      await audit.record(trx, actor, {
        action: 'notification_channel.created',
        resourceType: 'notification_channel',
        resourceId: row.id,
        details: { name: row.name, type: row.type, events: JSON.parse(row.events) },
      })
    })
    return { channel: view(row), signingSecret: input.secret === undefined ? secret : undefined }
  }

  async function update(teamId: string, id: string, input: UpdateChannelInput, actor: Actor) {
    return db.transaction().execute(async (trx) => {
      const row = await findChannel(trx, teamId, id)
      if (!row) throw new NotFoundError(`Notification channel ${id} was not found.`)
      if (input.name !== undefined && (await channelNameTaken(trx, teamId, input.name, id)))
        throw new ConflictError('name_taken', `A notification channel named ${input.name} already exists.`)
      const secrets = secretsOf(row)
      const changedSecrets = input.url !== undefined || (input.secret !== undefined && row.type === 'webhook')
      const secret = row.type === 'webhook' ? (input.secret ?? secrets.secret) : undefined
      const next: ChannelSecrets = { url: input.url ?? secrets.url, ...(secret !== undefined && { secret }) }
      const changes = {
        ...(input.name !== undefined && { name: input.name }),
        ...(changedSecrets && { config: cipher.encrypt(JSON.stringify(next)) }),
        ...(input.events !== undefined && { events: JSON.stringify(input.events) }),
        ...(input.enabled !== undefined && { enabled: input.enabled ? 1 : 0 }),
      }
      await updateChannel(trx, id, changes)
      await audit.record(trx, actor, {
        action: 'notification_channel.updated',
        resourceType: 'notification_channel',
        resourceId: id,
        // Names of what changed, never the URL or secret.
        details: {
          changed: Object.keys(input).filter((k) => input[k as keyof UpdateChannelInput] !== undefined),
          ...(input.events !== undefined && { events: input.events }),
        },
      })
      return view((await findChannel(trx, teamId, id))!)
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
      await enqueue(trx, row.id, payload)
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

  async function enqueue(trx: Kysely<DB>, channelId: string, payload: NotificationPayload) {
    const now = nowIso()
    await insertOutbox(trx, {
      id: payload.id,
      team_id: payload.team_id,
      channel_id: channelId,
      event: payload.event,
      summary: payload.summary,
      payload: JSON.stringify(payload),
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      claimed_by: null,
      claimed_at: null,
      last_error: null,
      last_status_code: null,
      delivered_at: null,
      created_at: now,
    })
  }

  /**
   * The deployments' outcome hook: in the transaction that records the outcome, one outbox row per
   * enabled channel of the team that subscribes to the event. A success after a failure is
   * "recovered" for channels that ask for it (and "succeeded" for those that ask only for that).
   */
  const onDeploymentFinished: FinishedHook = async (trx, d, outcome) => {
    if (outcome.status === 'cancelled-by-user') return
    const failed = outcome.status === 'failed'
    // A finished stop, removal or attach is routine; only deploys and restarts report success.
    if (!failed && d.action !== 'deploy' && d.action !== 'restart') return
    const channels = (await enabledChannels(trx, d.team_id)).map((c) => ({
      row: c,
      events: new Set(JSON.parse(c.events) as ChannelEvent[]),
    }))
    const wanted = channels.filter(({ events }) =>
      failed
        ? events.has('deployment.failed')
        : events.has('deployment.succeeded') || events.has('deployment.recovered'),
    )
    if (wanted.length === 0) return
    const recovered = !failed && (await previousOutcome(trx, d.resource_id, d.id)) === 'failed'
    const project = await projectNameOf(trx, d.team_id, d.resource_id)
    const logLines = failed ? await lastLogLines(trx, d.id, LOG_LINES_IN_MESSAGE) : []
    const deployment: NonNullable<NotificationPayload['deployment']> = {
      id: d.id,
      action: d.action,
      status: outcome.status,
      message: outcome.message,
      resource: { type: d.resource_type, id: d.resource_id, name: d.resource_name },
      project,
      server: d.server_name,
      last_log_lines: logLines.map(outcome.redact),
    }
    const occurredAt = nowIso()
    for (const { row, events } of wanted) {
      const event: NotificationEvent | undefined = failed
        ? 'deployment.failed'
        : recovered && events.has('deployment.recovered')
          ? 'deployment.recovered'
          : events.has('deployment.succeeded')
            ? 'deployment.succeeded'
            : undefined
      if (event === undefined) continue
      const rendered = renderDeployment({ event, deployment, publicUrl })
      await enqueue(trx, row.id, {
        id: newId(),
        event,
        occurred_at: occurredAt,
        team_id: d.team_id,
        summary: outcome.redact(rendered.summary),
        text: outcome.redact(rendered.text),
        link: rendered.link,
        deployment,
      })
    }
  }

  /**
   * Queues a fact another capability reports (a database backup's outcome) to every enabled
   * channel of the team that subscribes to the event, in the caller's transaction. The texts must
   * already be redacted.
   */
  async function notifyTeam(
    trx: Kysely<DB>,
    fact: { teamId: string; event: ChannelEvent; summary: string; text: string; linkPath: string },
  ) {
    const occurredAt = nowIso()
    for (const row of await enabledChannels(trx, fact.teamId)) {
      if (!(JSON.parse(row.events) as ChannelEvent[]).includes(fact.event)) continue
      await enqueue(trx, row.id, {
        id: newId(),
        event: fact.event,
        occurred_at: occurredAt,
        team_id: fact.teamId,
        summary: fact.summary,
        text: fact.text,
        link: linkTo(publicUrl, fact.linkPath),
      })
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

  return { list, get, create, update, remove, sendTest, deliveries, onDeploymentFinished, notifyTeam, secretsOf }
}

/** The project of a resource, or null when it is gone (a removal's deployment outlives its service). */
async function projectNameOf(trx: Kysely<DB>, teamId: string, resourceId: string): Promise<string | null> {
  try {
    return (await findTeamService(trx, teamId, resourceId)).project_name
  } catch (error) {
    if (error instanceof NotFoundError) return null
    throw error
  }
}
