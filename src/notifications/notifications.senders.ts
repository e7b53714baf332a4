import nodemailer from 'nodemailer'
import { bodyFor, clickableLink, htmlFor, isTrouble, signatureHeader, truncate } from './notifications.render.js'
import type { ChannelConfigs, ChannelType, NotificationPayload } from './notifications.types.js'

/** How one attempt ended: the receiver's status (HTTP status or SMTP reply code) or the error. */
export type SendResult = { ok: boolean; statusCode: number | null; error: string | null }

type HttpRequest = { url: string; headers: Record<string, string>; body: string }

const JSON_HEADERS = { 'content-type': 'application/json', 'user-agent': 'Berth-Notifications' }

/** The HTTP request a channel of an HTTP type gets for a notification. */
export function httpRequestFor<T extends Exclude<ChannelType, 'email'>>(
  type: T,
  config: ChannelConfigs[T],
  payload: NotificationPayload,
  deliveryId: string,
): HttpRequest {
  const clickable = clickableLink(payload)
  switch (type) {
    case 'webhook': {
      const c = config as ChannelConfigs['webhook']
      const body = bodyFor('webhook', payload)
      const headers: Record<string, string> = {
        ...JSON_HEADERS,
        'x-berth-event': payload.event,
        'x-berth-delivery': deliveryId,
      }
      if (c.secret) headers['x-berth-signature'] = signatureHeader(c.secret, body, Math.floor(Date.now() / 1000))
      return { url: c.url, headers, body }
    }
    case 'slack':
    case 'discord':
      return { url: (config as ChannelConfigs['slack']).url, headers: JSON_HEADERS, body: bodyFor(type, payload) }
    case 'telegram': {
      const c = config as ChannelConfigs['telegram']
      const api = (c.api_url ?? 'https://api.telegram.org').replace(/\/+$/, '')
      // The Bot API refuses messages over 4,096 characters.
      const body = {
        chat_id: c.chat_id,
        text: truncate(payload.text, 4096),
        link_preview_options: { is_disabled: true },
      }
      return { url: `${api}/bot${c.bot_token}/sendMessage`, headers: JSON_HEADERS, body: JSON.stringify(body) }
    }
    case 'ntfy': {
      // Published as JSON to the server's root (headers could not carry a non-ASCII title).
      const c = config as ChannelConfigs['ntfy']
      const u = new URL(c.url)
      const topic = decodeURIComponent(u.pathname.split('/').filter(Boolean).pop() ?? '')
      const root = `${u.origin}${u.pathname.replace(/\/[^/]*\/?$/, '')}/`
      const headers: Record<string, string> = { ...JSON_HEADERS }
      if (c.token) headers.authorization = `Bearer ${c.token}`
      const body = {
        topic,
        title: truncate(payload.summary, 250),
        message: truncate(payload.text, 4000),
        priority: isTrouble(payload.event) ? 4 : 3,
        tags: [isTrouble(payload.event) ? 'warning' : 'white_check_mark'],
        ...(clickable && { click: clickable }),
      }
      return { url: root, headers, body: JSON.stringify(body) }
    }
    case 'gotify': {
      const c = config as ChannelConfigs['gotify']
      const body = {
        title: payload.summary,
        message: payload.text,
        priority: isTrouble(payload.event) ? 8 : 4,
        ...(clickable && { extras: { 'client::notification': { click: { url: clickable } } } }),
      }
      return {
        url: `${c.url.replace(/\/+$/, '')}/message`,
        headers: { ...JSON_HEADERS, 'x-gotify-key': c.token },
        body: JSON.stringify(body),
      }
    }
  }
  throw new Error(`no HTTP request for channel type ${type}`)
}

/** POSTs one request; the answer's body is read (to free the connection) but never kept. */
export async function sendHttp(request: HttpRequest, timeoutMs: number): Promise<SendResult> {
  const response = await fetch(request.url, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  })
  // Not kept: a channel may point at an internal address, and the delivery log (readable by the
  // whole team) must not become a way to read it.
  await response.arrayBuffer()
  const ok = response.status >= 200 && response.status < 300
  return { ok, statusCode: response.status, error: ok ? null : `HTTP ${response.status}` }
}

/** Sends one e-mail with a plain-text and an HTML part; the status is the server's reply code. */
export async function sendEmail(
  c: ChannelConfigs['email'],
  payload: NotificationPayload,
  timeoutMs: number,
): Promise<SendResult> {
  const transport = nodemailer.createTransport({
    host: c.host,
    port: c.port,
    secure: c.security === 'tls',
    // STARTTLS is required, never optional: a server that does not offer it gets no password.
    requireTLS: c.security === 'starttls',
    ...(c.username && { auth: { user: c.username, pass: c.password ?? '' } }),
    ...(c.ca && { tls: { ca: [c.ca] } }),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  })
  try {
    const info = await transport.sendMail({
      from: c.from,
      to: c.to,
      subject: `[Berth] ${payload.summary}`,
      text: payload.text,
      html: htmlFor(payload),
    })
    return { ok: true, statusCode: replyCode(info.response), error: null }
  } catch (error) {
    const e = error as Error & { responseCode?: number }
    return { ok: false, statusCode: e.responseCode ?? null, error: e.message }
  } finally {
    transport.close()
  }
}

function replyCode(response: string | undefined): number | null {
  const code = Number.parseInt(response ?? '', 10)
  return Number.isFinite(code) ? code : null
}
