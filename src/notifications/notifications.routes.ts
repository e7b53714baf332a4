import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
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

export function notificationRoutes(app: Pick<App, 'notifications'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/notifications/channels',
      {
        config: { ability: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listNotificationChannels',
          summary: "The team's notification channels (URLs masked, secrets never shown)",
          response: { 200: json(channelList, 'Channels by name') },
        },
      },
      async (request) => ({ channels: await app.notifications.list(principalOf(request).teamId) }),
    )

    server.post(
      '/notifications/channels',
      {
        config: { ability: 'members' },
        schema: {
          tags: TAGS,
          operationId: 'createNotificationChannel',
          summary:
            'Add a channel (generic webhook, Slack-compatible, Discord, Telegram, ntfy, Gotify or e-mail over SMTP)',
          body: createChannelBody,
          response: { 201: json(createdChannel, 'The channel'), ...errorResponses(409, 422) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const { channel: created, signingSecret } = await app.notifications.create(p.teamId, request.body, actorOf(p))
        return reply
          .status(201)
          .send({ ...created, ...(signingSecret !== undefined && { signing_secret: signingSecret }) })
      },
    )

    server.patch(
      '/notifications/channels/:id',
      {
        config: { ability: 'members' },
        schema: {
          tags: TAGS,
          operationId: 'updateNotificationChannel',
          summary: "Change a channel's name, settings, secrets, rule (events, projects) or whether it is enabled",
          params: idParam,
          body: updateChannelBody,
          response: { 200: json(channel, 'The channel after the change'), ...errorResponses(400, 404, 409, 422) },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return app.notifications.update(p.teamId, request.params.id, request.body, actorOf(p))
      },
    )

    server.delete(
      '/notifications/channels/:id',
      {
        config: { ability: 'members' },
        schema: {
          tags: TAGS,
          operationId: 'deleteNotificationChannel',
          summary: 'Remove a channel with its queued messages and delivery log',
          params: idParam,
          response: { 204: noContent('Removed'), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.notifications.remove(p.teamId, request.params.id, actorOf(p))
        return reply.status(204).send()
      },
    )

    server.post(
      '/notifications/channels/:id/test',
      {
        config: { ability: 'members' },
        schema: {
          tags: TAGS,
          operationId: 'testNotificationChannel',
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
        return reply.status(202).send(await app.notifications.sendTest(p.teamId, request.params.id, actorOf(p)))
      },
    )

    server.get(
      '/notifications/deliveries',
      {
        config: { ability: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listNotificationDeliveries',
          summary: 'The delivery log: each message with its status and attempts, newest first',
          querystring: pageQuery,
          response: { 200: json(deliveryPage, 'One page of messages') },
        },
      },
      async (request) => app.notifications.deliveries(principalOf(request).teamId, request.query),
    )
  }
}
