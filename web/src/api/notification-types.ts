// Response shapes of the notifications routes, from the OpenAPI document (openapi.gen.ts).
import type { components } from './openapi.gen'

type Schemas = components['schemas']

export type NotificationChannel = Schemas['NotificationChannel']
export type NotificationChannelList = Schemas['NotificationChannelList']
export type NotificationChannelCreated = Schemas['NotificationChannelCreated']
export type NotificationDelivery = Schemas['NotificationDelivery']
export type NotificationDeliveryPage = Schemas['NotificationDeliveryPage']

export const CHANNEL_TYPES = [
  { value: 'webhook', label: 'Generic webhook (signed JSON)' },
  { value: 'slack', label: 'Slack, Mattermost or Rocket.Chat incoming webhook' },
  { value: 'discord', label: 'Discord webhook' },
  { value: 'telegram', label: 'Telegram bot' },
  { value: 'ntfy', label: 'ntfy topic' },
  { value: 'gotify', label: 'Gotify application' },
  { value: 'email', label: 'E-mail over SMTP' },
] as const
export type ChannelType = (typeof CHANNEL_TYPES)[number]['value']

/** One setting of a channel type, as the form asks for it (the API's create body names it `key`). */
export type SettingField = {
  key: string
  label: string
  kind: 'text' | 'url' | 'secret' | 'number' | 'security' | 'list' | 'pem'
  required?: boolean
  hint?: string
}

const url = (label: string, hint?: string): SettingField => ({ key: 'url', label, kind: 'url', required: true, hint })

export const SETTING_FIELDS: Record<ChannelType, SettingField[]> = {
  webhook: [
    url('Webhook URL'),
    {
      key: 'secret',
      label: 'Signing secret',
      kind: 'secret',
      hint: 'Left empty: Berth generates one and shows it once.',
    },
  ],
  slack: [url('Webhook URL')],
  discord: [url('Webhook URL')],
  telegram: [
    { key: 'bot_token', label: 'Bot token', kind: 'secret', required: true, hint: 'From @BotFather.' },
    { key: 'chat_id', label: 'Chat id', kind: 'text', required: true, hint: 'A numeric id or @channelname.' },
    { key: 'api_url', label: 'Bot API server', kind: 'url', hint: 'Left empty: https://api.telegram.org.' },
  ],
  ntfy: [
    url('Topic URL', 'e.g. https://ntfy.sh/my-topic'),
    { key: 'token', label: 'Access token', kind: 'secret', hint: 'For protected topics.' },
  ],
  gotify: [url('Gotify server URL'), { key: 'token', label: 'Application token', kind: 'secret', required: true }],
  email: [
    { key: 'host', label: 'SMTP server', kind: 'text', required: true },
    { key: 'port', label: 'Port', kind: 'number', required: true, hint: '587 for STARTTLS, 465 for TLS.' },
    { key: 'security', label: 'Security', kind: 'security', required: true },
    { key: 'username', label: 'SMTP user name', kind: 'text' },
    { key: 'password', label: 'SMTP password', kind: 'secret' },
    { key: 'from', label: 'From address', kind: 'text', required: true },
    { key: 'to', label: 'To addresses', kind: 'list', required: true, hint: 'Separated by commas.' },
    {
      key: 'ca',
      label: 'Private CA certificate (PEM)',
      kind: 'pem',
      hint: 'Only for a server whose certificate a private CA signed.',
    },
  ],
}

export const CHANNEL_EVENTS = [
  { value: 'deployment.failed', label: 'Deployment failed (also a failed health check)' },
  { value: 'deployment.health_failed', label: 'Deployment failed its health check (instead of the above)' },
  { value: 'deployment.recovered', label: 'Deployment succeeded after failing' },
  { value: 'deployment.succeeded', label: 'Every successful deployment' },
  { value: 'deployment.cancelled', label: 'Deployment cancelled' },
  { value: 'server.unreachable', label: 'Server unreachable' },
  { value: 'server.back', label: 'Server answers again' },
  { value: 'server.disk_low', label: 'Disk space low on a server' },
  { value: 'proxy.sync_failed', label: 'Proxy configuration sync failed' },
  { value: 'proxy.sync_recovered', label: 'Proxy configuration sync works again' },
  { value: 'proxy.drift_repaired', label: 'Proxy configuration drift repaired' },
  { value: 'proxy.down', label: 'Proxy down' },
  { value: 'certificate.expiring', label: 'TLS certificate expiring soon' },
  { value: 'backup.failed', label: 'Database backup or restore failed' },
  { value: 'backup.succeeded', label: 'Every successful database backup or restore' },
] as const
export type ChannelEvent = (typeof CHANNEL_EVENTS)[number]['value']
