import { createHmac } from 'node:crypto'
import type { ChannelType, NotificationEvent, NotificationPayload } from './notifications.types.js'

export const LOG_LINES_IN_MESSAGE = 10

export type DeploymentFacts = {
  event: NotificationEvent
  deployment: NonNullable<NotificationPayload['deployment']>
  /** Berth's public URL without a trailing slash, or undefined for a path-only link. */
  publicUrl: string | undefined
}

const HEADLINES: Record<string, string> = {
  'deployment.failed': 'failed',
  'deployment.succeeded': 'succeeded',
  'deployment.recovered': 'succeeded again after failing',
}

export function linkTo(publicUrl: string | undefined, path: string): string {
  return `${publicUrl ?? ''}${path}`
}

/** The one-line summary and the plain-text message of a deployment event. */
export function renderDeployment({ event, deployment: d, publicUrl }: DeploymentFacts) {
  const health = event === 'deployment.failed' && d.message.startsWith('health check failed')
  const what = `${d.action === 'deploy' ? 'Deployment' : `${capitalise(d.action)} deployment`} of ${d.resource.type} ${d.resource.name}`
  const summary = `${what}${d.project ? ` (project ${d.project})` : ''} ${health ? 'failed its health check' : HEADLINES[event]}`
  const link = linkTo(publicUrl, `/deployments/${d.id}`)
  const lines = [summary, `Server: ${d.server}`, `Message: ${d.message}`, `Deployment: ${link}`]
  if (event === 'deployment.failed' && d.last_log_lines.length > 0)
    lines.push('', `Last ${d.last_log_lines.length} log lines:`, ...d.last_log_lines.map((l) => `  ${l}`))
  return { summary, text: lines.join('\n'), link }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** The request body a channel type gets for a notification. */
export function bodyFor(type: ChannelType, payload: NotificationPayload): string {
  switch (type) {
    case 'slack':
      return JSON.stringify({ text: payload.text })
    case 'discord':
      // Discord refuses content over 2,000 characters.
      return JSON.stringify({ content: truncate(payload.text, 2000) })
    case 'webhook':
      return JSON.stringify(payload)
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** `X-Berth-Signature`: "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">". */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex')
  return `t=${unixSeconds},v1=${mac}`
}

/** A URL as reads show it: scheme and host only, since the path often is the token. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}/…`
  } catch {
    return '…'
  }
}
