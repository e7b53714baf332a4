import { z } from 'zod'

export const CHANNEL_TYPES = ['webhook', 'slack', 'discord', 'telegram', 'ntfy', 'gotify', 'email'] as const
export type ChannelType = (typeof CHANNEL_TYPES)[number]

/** Events a channel can subscribe to; "test" is sent to one channel on request, whatever it subscribes to. */
export const CHANNEL_EVENTS = [
  'deployment.failed',
  'deployment.succeeded',
  'deployment.recovered',
  'deployment.cancelled',
  'deployment.health_failed',
  'proxy.sync_failed',
  'proxy.sync_recovered',
  'proxy.drift_repaired',
  'proxy.down',
  'server.unreachable',
  'server.back',
  'server.disk_low',
  'certificate.expiring',
  'backup.failed',
  'backup.succeeded',
] as const
export type ChannelEvent = (typeof CHANNEL_EVENTS)[number]
export type NotificationEvent = ChannelEvent | 'test'

export const DEFAULT_EVENTS: ChannelEvent[] = ['deployment.failed', 'deployment.recovered']

/** The generic webhook body; the other channel types get `text` (and `summary`) in their own envelope. */
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
  /** Other events: what they are about (server, domain, proxy), machine-readable. */
  subject?: Record<string, unknown>
}

const httpUrl = z
  .string()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'Must be an http:// or https:// URL')

const webhookUrl = httpUrl.describe(
  'Where to POST; it often holds a token, so it is stored encrypted and answered masked',
)
const signingSecret = z
  .string()
  .min(16)
  .max(256)
  .describe('Webhook channels: the HMAC-SHA256 signing secret; Berth generates one when it is left out')
const email = z.string().max(254).email()

/**
 * Each channel type's settings, stored together as one encrypted JSON (`config`). Fields named in
 * SECRET_FIELDS are never answered; URLs are answered masked (their path is often a token).
 */
export const channelConfigs = {
  webhook: z.object({ url: webhookUrl, secret: signingSecret.optional() }),
  slack: z.object({ url: webhookUrl }),
  discord: z.object({ url: webhookUrl }),
  telegram: z.object({
    bot_token: z
      .string()
      .regex(/^\d{1,20}:[A-Za-z0-9_-]{20,100}$/, 'A Telegram bot token looks like 123456:ABC-DEF...')
      .describe('From @BotFather; stored encrypted, never answered'),
    chat_id: z
      .string()
      .regex(/^(-?\d{1,20}|@[A-Za-z0-9_]{5,64})$/, 'A numeric chat id or @channelname')
      .describe('The chat, group or channel the bot writes to'),
    api_url: httpUrl.optional().describe('The Bot API server; https://api.telegram.org when left out'),
  }),
  ntfy: z.object({
    url: httpUrl.describe('The topic URL, e.g. https://ntfy.sh/my-topic (the topic is its secret: answered masked)'),
    token: z.string().min(1).max(256).optional().describe('An access token for protected topics; never answered'),
  }),
  gotify: z.object({
    url: httpUrl.describe('The Gotify server, e.g. https://gotify.example.com'),
    token: z.string().min(1).max(256).describe("The application's token; never answered"),
  }),
  email: z.object({
    host: z.string().trim().min(1).max(253).describe('The SMTP server'),
    port: z.number().int().min(1).max(65535),
    security: z
      .enum(['starttls', 'tls'])
      .describe(
        'starttls: plain connection upgraded with STARTTLS, which is required (e.g. port 587); tls: TLS from the start (port 465)',
      ),
    username: z.string().min(1).max(254).optional(),
    password: z.string().min(1).max(1024).optional().describe('Stored encrypted, never answered'),
    from: email,
    to: z.array(email).min(1).max(20),
    ca: z
      .string()
      .max(20_000)
      .regex(/-----BEGIN CERTIFICATE-----/, 'A PEM certificate')
      .optional()
      .describe(
        "A PEM CA certificate to trust for the server's certificate (a private CA); the system's CAs otherwise",
      ),
  }),
} as const

export type ChannelConfigs = { [T in ChannelType]: z.infer<(typeof channelConfigs)[T]> }
export type ChannelConfig = ChannelConfigs[ChannelType]

/** Settings that are secrets: stored encrypted, never answered, redacted from errors. */
export const SECRET_FIELDS = ['secret', 'bot_token', 'token', 'password'] as const

/** Every value a channel's settings hold that must not reach an error or a log: secrets and URLs. */
export function secretValuesOf(config: ChannelConfig): string[] {
  const c = config as Record<string, unknown>
  return [...SECRET_FIELDS, 'url', 'api_url']
    .map((k) => c[k])
    .filter((v): v is string => typeof v === 'string' && v.length > 0)
}

const ruleFields = {
  events: z.array(z.enum(CHANNEL_EVENTS)).max(CHANNEL_EVENTS.length),
  project_ids: z
    .array(z.string().uuid())
    .max(100)
    .nullable()
    .describe("The projects the channel hears about; null or left out: every project of the team's"),
}

const common = {
  name: z.string().trim().min(1).max(100),
  events: ruleFields.events.optional(),
  project_ids: ruleFields.project_ids.optional(),
  enabled: z.boolean().optional(),
}

export const createChannelBody = z.discriminatedUnion('type', [
  z.object({ ...common, type: z.literal('webhook'), ...channelConfigs.webhook.shape }),
  z.object({ ...common, type: z.literal('slack'), ...channelConfigs.slack.shape }),
  z.object({ ...common, type: z.literal('discord'), ...channelConfigs.discord.shape }),
  z.object({ ...common, type: z.literal('telegram'), ...channelConfigs.telegram.shape }),
  z.object({ ...common, type: z.literal('ntfy'), ...channelConfigs.ntfy.shape }),
  z.object({ ...common, type: z.literal('gotify'), ...channelConfigs.gotify.shape }),
  z.object({ ...common, type: z.literal('email'), ...channelConfigs.email.shape }),
])
export type CreateChannelInput = z.infer<typeof createChannelBody>

/**
 * A change: the rule fields, and any of the channel type's settings, merged over the stored ones
 * and checked again against the type (a setting of another type is refused). A left-out secret
 * is kept.
 */
export const updateChannelBody = z.object({
  name: common.name.optional(),
  events: common.events,
  project_ids: common.project_ids,
  enabled: common.enabled,
  ...channelConfigs.webhook.partial().shape,
  ...channelConfigs.telegram.partial().shape,
  ...channelConfigs.ntfy.partial().shape,
  ...channelConfigs.email.partial().shape,
  url: httpUrl.optional().describe('The URL setting of webhook, Slack, Discord, ntfy and Gotify channels'),
})
export type UpdateChannelInput = z.infer<typeof updateChannelBody>

/** The keys of an update that are rule fields rather than the type's settings. */
export const RULE_KEYS = ['name', 'events', 'project_ids', 'enabled'] as const
