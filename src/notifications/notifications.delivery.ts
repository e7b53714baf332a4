import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import type { SecretCipher } from '../crypto/cipher.js'
import { createRedactor } from '../crypto/redact.js'
import type { DB } from '../db/schema.js'
import { nowIso } from '../db/time.js'
import { type AttemptResult, channelsByIds, claimDue, type OutboxRow, recordAttempt } from './notifications.repo.js'
import { withGrouped } from './notifications.render.js'
import { httpRequestFor, sendEmail, sendHttp } from './notifications.senders.js'
import {
  type ChannelConfig,
  type ChannelConfigs,
  type ChannelType,
  type NotificationPayload,
  secretValuesOf,
} from './notifications.types.js'

/** Waits before the 2nd, 3rd, ... attempt; after the last one the message is failed. */
const RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000]
const REQUEST_TIMEOUT_MS = 10_000
// A claim outlives any one request; older than this, its process died mid-delivery and another may take it.
const CLAIM_STALE_MS = 60_000
const POLL_INTERVAL_MS = 1_000
const BATCH = 20
const MAX_ERROR_LENGTH = 500

type Deps = {
  db: Kysely<DB>
  cipher: SecretCipher
  logger: Pick<Logger, 'error' | 'info' | 'warn'>
  /** This data dir's worker id (deployments/worker-id.ts): claims name it. */
  workerId: string
  retryDelaysMs?: number[]
  pollIntervalMs?: number
  requestTimeoutMs?: number
}

export type NotificationDelivery = ReturnType<typeof createNotificationDelivery>

/**
 * The delivery worker: every second (and when woken) it claims due outbox rows, POSTs each to its
 * channel with a timeout, and records the attempt; a failure is retried after RETRY_DELAYS_MS and
 * then given up as failed. Delivery is at least once: a process that dies between the POST and
 * recording it leaves a claim that goes stale and is retried.
 */
export function createNotificationDelivery(deps: Deps) {
  const delays = deps.retryDelaysMs ?? RETRY_DELAYS_MS
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let again = false
  let stopped = true

  function wake(): void {
    if (stopped) return
    if (running) {
      again = true
      return
    }
    running = deliverDue()
      .catch((error: unknown) => deps.logger.error({ err: error }, 'delivering notifications failed'))
      .finally(() => {
        running = undefined
        if (again) {
          again = false
          wake()
        }
      })
  }

  async function deliverDue(): Promise<void> {
    for (;;) {
      const staleBefore = new Date(Date.now() - CLAIM_STALE_MS).toISOString()
      const claimed = await claimDue(deps.db, { workerId: deps.workerId, limit: BATCH, staleBefore })
      if (claimed.length === 0) return
      const channels = new Map(
        (await channelsByIds(deps.db, [...new Set(claimed.map((r) => r.channel_id))])).map((c) => [c.id, c]),
      )
      await Promise.all(
        claimed.map(async (row) => {
          const channel = channels.get(row.channel_id)
          const result: AttemptResult = channel
            ? await post(channel.type as ChannelType, JSON.parse(deps.cipher.decrypt(channel.config)), row)
            : { ok: false, statusCode: null, error: 'the channel was deleted', durationMs: 0, at: nowIso() }
          const retryIn = result.ok || !channel ? undefined : delays[row.attempts]
          const next = retryIn === undefined ? null : new Date(Date.parse(result.at) + retryIn).toISOString()
          await recordAttempt(deps.db, row, deps.workerId, result, next)
          if (!result.ok && next === null)
            deps.logger.warn(
              { notificationId: row.id, channelId: row.channel_id, attempts: row.attempts + 1 },
              'notification given up after its last attempt',
            )
        }),
      )
      if (claimed.length < BATCH) return
    }
  }

  async function post(type: ChannelType, config: ChannelConfig, row: OutboxRow): Promise<AttemptResult> {
    const payload = withGrouped(JSON.parse(row.payload) as NotificationPayload, row.grouped)
    const timeoutMs = deps.requestTimeoutMs ?? REQUEST_TIMEOUT_MS
    // Errors may quote a URL (its path is often the token) or a secret: never store or log them as they are.
    const redact = createRedactor(secretValuesOf(config))
    const started = performance.now()
    const at = nowIso()
    const elapsed = () => Math.round(performance.now() - started)
    try {
      const sent =
        type === 'email'
          ? await sendEmail(config as ChannelConfigs['email'], payload, timeoutMs)
          : await sendHttp(httpRequestFor(type, config as ChannelConfigs[typeof type], payload, row.id), timeoutMs)
      return { ...sent, error: sent.error && redact(sent.error).slice(0, MAX_ERROR_LENGTH), durationMs: elapsed(), at }
    } catch (error) {
      // A refused connection, a DNS failure or the timeout: the attempt failed; the cause says which.
      const e = error as Error & { cause?: Error }
      const reason = e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : e.message
      const detail = e.cause?.message ? `${reason}: ${e.cause.message}` : reason
      return {
        ok: false,
        statusCode: null,
        error: redact(detail).slice(0, MAX_ERROR_LENGTH),
        durationMs: elapsed(),
        at,
      }
    }
  }

  function start(): void {
    stopped = false
    timer = setInterval(wake, deps.pollIntervalMs ?? POLL_INTERVAL_MS)
    timer.unref()
    wake()
  }

  /** Stops polling and waits for the pass in flight (its attempts are recorded). */
  async function stop(): Promise<void> {
    stopped = true
    clearInterval(timer)
    again = false
    await running
  }

  return { start, stop, wake, deliverDue }
}
