import { z } from 'zod'

export const CHANNEL_TYPES = ['webhook', 'slack', 'discord'] as const
export type ChannelType = (typeof CHANNEL_TYPES)[number]

/** Events a channel can subscribe to; "test" is sent to one channel on request, whatever it subscribes to. */
export const CHANNEL_EVENTS = [
  'deployment.failed',
  'deployment.succeeded',
  'deployment.recovered',
  'backup.failed',
  'backup.succeeded',
] as const
export type ChannelEvent = (typeof CHANNEL_EVENTS)[number]
export type NotificationEvent = ChannelEvent | 'test'

export const DEFAULT_EVENTS: ChannelEvent[] = ['deployment.failed', 'deployment.recovered']

/** The secret part of a channel, stored encrypted: the URL (which often holds a token) and the signing secret. */
export type ChannelSecrets = { url: string; secret?: string }

/** The generic webhook body; Slack and Discord get `text` in their own envelope. */
export type NotificationPayload = {
  id: string
  event: NotificationEvent
  occurred_at: string
  team_id: string
  /** One line: what happened to what. */
  summary: string
  /** The whole message as plain text (summary, where, message, link, log lines). */
  text: string
  link: string | null
  deployment?: {
    id: string
    action: string
    status: string
    message: string
    resource: { type: string; id: string; name: string }
    project: string | null
    server: string
    last_log_lines: string[]
  }
}

const url = z
  .string()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'Must be an http:// or https:// URL')
  .describe('Where to POST; it often holds a token, so it is stored encrypted and answered masked')

export const createChannelBody = z.object({
  name: z.string().trim().min(1).max(100),
  type: z.enum(CHANNEL_TYPES),
  url,
  secret: z
    .string()
    .min(16)
    .max(256)
    .optional()
    .describe('Webhook channels: the HMAC-SHA256 signing secret; Berth generates one when it is left out'),
  events: z.array(z.enum(CHANNEL_EVENTS)).max(CHANNEL_EVENTS.length).optional(),
  enabled: z.boolean().optional(),
})
export type CreateChannelInput = z.infer<typeof createChannelBody>

export const updateChannelBody = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  url: url.optional(),
  secret: z.string().min(16).max(256).optional(),
  events: z.array(z.enum(CHANNEL_EVENTS)).max(CHANNEL_EVENTS.length).optional(),
  enabled: z.boolean().optional(),
})
export type UpdateChannelInput = z.infer<typeof updateChannelBody>
