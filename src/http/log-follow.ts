import type { FastifyReply, FastifyRequest } from 'fastify'
import { keepAlive, startEventStream } from './event-stream.js'
import type { LogSlice } from './log-pages.js'
import { MAX_STORED_NUMBER } from './schemas.js'

// Events from this process push lines at once; the poll brings those another Berth process
// writes (several processes may share a PostgreSQL database), and those of a run with no events.
const POLL_MS = 1000

export type FollowedLog = {
  /** The events text of the lines after a sequence number (see log-pages.ts: shared by the followers). */
  after(after: number): Promise<LogSlice>
  /** Statuses in which lines may still come. */
  running: readonly string[]
  /** Calls `wake` when lines may have been stored or the writer ended; answers the unsubscribe. */
  subscribe?(wake: () => void): () => void
}

/** Resolves when the socket's buffer has room again, or when it closed. */
function drained(raw: NodeJS.WritableStream & { once(event: 'close', listener: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      raw.removeListener('drain', done)
      raw.removeListener('close', done)
      resolve()
    }
    raw.once('drain', done)
    raw.once('close', done)
  })
}

/** Where a stream resumes: the Last-Event-ID a reconnecting EventSource sends, else `after`. */
export function resumeAfter(request: FastifyRequest, after: number | undefined): number {
  const header = request.headers['last-event-id']
  const sent = Number.parseInt(typeof header === 'string' ? header : '', 10)
  return Number.isSafeInteger(sent) && sent >= 0 && sent <= MAX_STORED_NUMBER ? sent : (after ?? 0)
}

/**
 * Live log lines over Server-Sent Events (deployments, database backup runs): each line is an
 * event whose id is its sequence number, so a reconnecting client resumes with Last-Event-ID.
 * The stream ends with an "end" event once the writer has ended and every line has been sent.
 */
export function followLog(request: FastifyRequest, reply: FastifyReply, after: number, log: FollowedLog): void {
  let sent = after
  const raw = startEventStream(reply)
  let closed = false
  let pumping: Promise<void> | undefined
  let pumpAgain = false

  async function pump(): Promise<void> {
    for (;;) {
      const slice = await log.after(sent)
      const caughtUp = slice.nextAfter === sent
      sent = slice.nextAfter
      // A slow reader: wait until the socket takes more before reading the next page, so a
      // long log is never buffered whole in memory (bench:log-stream, 10 readers of 100,000 lines:
      // peak RSS 1,021 MiB without this wait, 276 MiB with it).
      if (slice.text !== '' && !raw.write(slice.text)) await drained(raw)
      if (closed) return
      if (caughtUp) {
        if (slice.status !== undefined && !log.running.includes(slice.status)) {
          raw.write(`event: end\ndata: ${JSON.stringify({ status: slice.status })}\n\n`)
          finish()
        }
        return
      }
    }
  }
  function schedule() {
    if (closed) return
    if (pumping) {
      pumpAgain = true
      return
    }
    pumping = pump()
      .catch((error: unknown) => {
        request.log.error({ err: error }, 'log stream failed')
        finish()
      })
      .finally(() => {
        pumping = undefined
        if (pumpAgain) {
          pumpAgain = false
          schedule()
        }
      })
  }
  const unsubscribe = log.subscribe?.(schedule)
  const stopKeepAlive = keepAlive(raw)
  const poll = setInterval(schedule, POLL_MS)
  function finish() {
    if (closed) return
    closed = true
    unsubscribe?.()
    stopKeepAlive()
    clearInterval(poll)
    raw.end()
  }
  raw.on('close', finish)
  schedule()
}
