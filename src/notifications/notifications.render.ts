import { createHmac } from 'node:crypto'
import type { NotificationEvent, NotificationPayload } from './notifications.types.js'

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
  'deployment.cancelled': 'was cancelled',
  'deployment.health_failed': 'failed its health check',
}

export function linkTo(publicUrl: string | undefined, path: string): string {
  return `${publicUrl ?? ''}${path}`
}

/** The one-line summary and the plain-text message of a deployment event. */
export function renderDeployment({ event, deployment: d, publicUrl }: DeploymentFacts) {
  const failed = event === 'deployment.failed' || event === 'deployment.health_failed'
  const health = failed && d.message.startsWith('health check failed')
  const what = `${d.action === 'deploy' ? 'Deployment' : `${capitalise(d.action)} deployment`} of ${d.resource.type} ${d.resource.name}`
  const summary = `${what}${d.project ? ` (project ${d.project})` : ''} ${health ? 'failed its health check' : HEADLINES[event]}`
  const link = linkTo(publicUrl, `/deployments/${d.id}`)
  const lines = [summary, `Server: ${d.server}`, `Message: ${d.message}`, `Deployment: ${link}`]
  if (failed && d.last_log_lines.length > 0)
    lines.push('', `Last ${d.last_log_lines.length} log lines:`, ...d.last_log_lines.map((l) => `  ${l}`))
  return { summary, text: lines.join('\n'), link }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}

/** The request body a webhook-style channel gets for a notification. */
export function bodyFor(type: 'webhook' | 'slack' | 'discord', payload: NotificationPayload): string {
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

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** Whether an event reports something wrong (channels that have priorities raise it). */
export function isTrouble(event: NotificationEvent): boolean {
  return /(failed|unreachable|down|disk_low|expiring)$/.test(event)
}

/** The payload with a line saying how many later events of its resource were folded into it. */
export function withGrouped(payload: NotificationPayload, grouped: number): NotificationPayload {
  if (grouped === 0) return payload
  const note = `(${grouped} more event${grouped === 1 ? '' : 's'} of this resource since the last message; this is the latest.)`
  return { ...payload, text: `${payload.text}\n\n${note}` }
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** The payload's link when a receiver can open it (an absolute http(s) URL, not a bare path). */
export function clickableLink(payload: NotificationPayload): string | undefined {
  return payload.link && /^https?:\/\//.test(payload.link) ? payload.link : undefined
}

/** The HTML part of an e-mail: the summary as a heading, the text as is, the link as a button. */
export function htmlFor(payload: NotificationPayload): string {
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!)
  const link = clickableLink(payload)
  return [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2 style="font-size:16px">${esc(payload.summary)}</h2>`,
    `<pre style="white-space:pre-wrap;font-size:13px">${esc(payload.text)}</pre>`,
    ...(link ? [`<p><a href="${esc(link)}">Open in Berth</a></p>`] : []),
    '</body></html>',
  ].join('\n')
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
