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
] as const
export type ChannelType = (typeof CHANNEL_TYPES)[number]['value']

export const CHANNEL_EVENTS = [
  { value: 'deployment.failed', label: 'Deployment failed (also a failed health check)' },
  { value: 'deployment.recovered', label: 'Deployment succeeded after failing' },
  { value: 'deployment.succeeded', label: 'Every successful deployment' },
  { value: 'backup.failed', label: 'Database backup or restore failed' },
  { value: 'backup.succeeded', label: 'Every successful database backup or restore' },
] as const
export type ChannelEvent = (typeof CHANNEL_EVENTS)[number]['value']
