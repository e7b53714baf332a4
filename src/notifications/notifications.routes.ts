import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import type { Ability } from '../auth/principal.js'
import { INSTANCE_TEAM_ID } from '../deployments/deployments.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json, noContent, timestamp } from '../http/responses.js'
import { idParam } from '../http/schemas.js'
import { CHANNEL_EVENTS, CHANNEL_TYPES, createChannelBody, updateChannelBody } from './notifications.types.js'

const channel = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    type: z.enum(CHANNEL_TYPES),
    url: z
      .string()
      .nullable()
      .describe('Scheme and host only: the rest of the URL is often its token; null for e-mail and Telegram'),
    has_secret: z
      .boolean()
      .describe('Whether a secret is set (signing secret, bot token, access token, SMTP password); never shown'),
    settings: z
      .record(z.string(), z.unknown())
      .describe("The type's settings that are not secret (chat_id, host, port, security, username, from, to, ...)"),
    events: z.array(z.enum(CHANNEL_EVENTS)),
    project_ids: z.array(z.string()).nullable().describe('The projects the channel hears about; null: every one'),
    enabled: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'NotificationChannel' })

const channelList = z.object({ channels: z.array(channel) }).meta({ id: 'NotificationChannelList' })

const createdChannel = channel
  .extend({
    signing_secret: z
      .string()
      .optional()
      .describe('Only when Berth generated the webhook signing secret: shown this once, never again'),
  })
  .meta({ id: 'NotificationChannelCreated' })

const attempt = z
  .object({
    attempt: z.number().int(),
    at: timestamp,
    ok: z.boolean(),
    status_code: z.number().int().nullable(),
    error: z.string().nullable(),
    duration_ms: z.number().int(),
  })
  .meta({ id: 'NotificationAttempt' })

const delivery = z
  .object({
    id: z.string().uuid(),
    channel_id: z.string().uuid(),
    channel_name: z.string().nullable(),
    channel_type: z.enum(CHANNEL_TYPES).nullable().describe('Null once the channel was removed'),
    event: z.string(),
    summary: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    next_attempt_at: timestamp.nullable().describe('When pending: the next attempt'),
    last_error: z.string().nullable(),
    last_status_code: z.number().int().nullable(),
    delivered_at: timestamp.nullable(),
    created_at: timestamp,
    log: z.array(attempt).describe('Every attempt, oldest first'),
  })
  .meta({ id: 'NotificationDelivery' })

const deliveryPage = z
  .object({ total: z.number().int(), deliveries: z.array(delivery) })
  .meta({ id: 'NotificationDeliveryPage' })

const pageQuery = z.object({
  skip: z.coerce.number().int().min(0).default(0),
  take: z.coerce.number().int().min(1).max(100).default(20),
})

const TAGS = ['notifications']

/** Where a set of channel routes lives and whose channels it reaches. */
type Scope = {
  path: '/notifications' | '/instance/notifications'
  read: Ability
  write: Ability
  /** Suffix of the operation ids ('' for the team's routes). */
  op: '' | 'Instance'
  whose: string
  teamOf(request: FastifyRequest): string
}

const TEAM: Scope = {
  path: '/notifications',
  read: 'read',
  write: 'members',
  op: '',
  whose: "The team's",
  teamOf: (request) => principalOf(request).teamId,
}

// Instance channels hear instance events (servers, the proxy, Berth's own backups); only instance
// administrators see or change them.
const INSTANCE: Scope = {
  path: '/instance/notifications',
  read: 'instance',
  write: 'instance',
  op: 'Instance',
  whose: "The instance's",
  teamOf: () => INSTANCE_TEAM_ID,
}

export function notificationRoutes(app: Pick<App, 'notifications'>): FastifyPluginAsyncZod {
  return async (server) => {
    for (const scope of [TEAM, INSTANCE]) channelRoutes(server, app, scope)
  }
}

type Server = Parameters<FastifyPluginAsyncZod>[0]

function channelRoutes(server: Server, app: Pick<App, 'notifications'>, scope: Scope): void {
  server.get(
    `${scope.path}/channels`,
    {
      config: { ability: scope.read },
      schema: {
        tags: TAGS,
        operationId: `listNotificationChannels${scope.op}`,
        summary: `${scope.whose} notification channels (URLs masked, secrets never shown)`,
        response: { 200: json(channelList, 'Channels by name') },
      },
    },
    async (request) => ({ channels: await app.notifications.list(scope.teamOf(request)) }),
  )

  server.post(
    `${scope.path}/channels`,
    {
      config: { ability: scope.write },
      schema: {
        tags: TAGS,
        operationId: `createNotificationChannel${scope.op}`,
        summary:
          'Add a channel (generic webhook, Slack-compatible, Discord, Telegram, ntfy, Gotify or e-mail over SMTP)',
        body: createChannelBody,
        response: { 201: json(createdChannel, 'The channel'), ...errorResponses(409, 422) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request)
      const { channel: created, signingSecret } = await app.notifications.create(
        scope.teamOf(request),
        request.body,
        actorOf(p),
      )
      return reply
        .status(201)
        .send({ ...created, ...(signingSecret !== undefined && { signing_secret: signingSecret }) })
    },
  )

  server.patch(
    `${scope.path}/channels/:id`,
    {
      config: { ability: scope.write },
      schema: {
        tags: TAGS,
        operationId: `updateNotificationChannel${scope.op}`,
        summary: "Change a channel's name, settings, secrets, rule (events, projects) or whether it is enabled",
        params: idParam,
        body: updateChannelBody,
        response: { 200: json(channel, 'The channel after the change'), ...errorResponses(400, 404, 409, 422) },
      },
    },
    async (request) => {
      const p = principalOf(request)
      return app.notifications.update(scope.teamOf(request), request.params.id, request.body, actorOf(p))
    },
  )

  server.delete(
    `${scope.path}/channels/:id`,
    {
      config: { ability: scope.write },
      schema: {
        tags: TAGS,
        operationId: `deleteNotificationChannel${scope.op}`,
        summary: 'Remove a channel with its queued messages and delivery log',
        params: idParam,
        response: { 204: noContent('Removed'), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const p = principalOf(request)
      await app.notifications.remove(scope.teamOf(request), request.params.id, actorOf(p))
      return reply.status(204).send()
    },
  )

  server.post(
    `${scope.path}/channels/:id/test`,
    {
      config: { ability: scope.write },
      schema: {
        tags: TAGS,
        operationId: `testNotificationChannel${scope.op}`,
        summary: 'Queue a "test" message to the channel; the delivery log shows how it went',
        params: idParam,
        response: {
          202: json(
            z.object({ notification_id: z.string().uuid() }).meta({ id: 'NotificationQueued' }),
            'Queued for delivery',
          ),
          ...errorResponses(404),
        },
      },
    },
    async (request, reply) => {
      const p = principalOf(request)
      return reply
        .status(202)
        .send(await app.notifications.sendTest(scope.teamOf(request), request.params.id, actorOf(p)))
    },
  )

  server.get(
    `${scope.path}/deliveries`,
    {
      config: { ability: scope.read },
      schema: {
        tags: TAGS,
        operationId: `listNotificationDeliveries${scope.op}`,
        summary: 'The delivery log: each message with its status and attempts, newest first',
        querystring: pageQuery,
        response: { 200: json(deliveryPage, 'One page of messages') },
      },
    },
    async (request) => app.notifications.deliveries(scope.teamOf(request), request.query),
  )
}
