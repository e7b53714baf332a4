import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { principalOf } from '../http/auth-hook.js'
import { startEventStream } from '../http/event-stream.js'
import { errorResponses, text } from '../http/responses.js'
import { MAX_STORED_NUMBER, sequenceQuery, uuidParam } from '../http/schemas.js'
import { createLogPages } from './log-pages.js'

const HEARTBEAT_MS = 15_000
// Events from this process's workers push lines at once; the poll brings those a sibling Berth
// process writes for a deployment it runs (several processes may share a PostgreSQL database).
const POLL_MS = 1000

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

/**
 * Live log lines over Server-Sent Events: each line is an event whose id is its sequence number,
 * so a reconnecting client resumes with Last-Event-ID. The stream ends with an "end" event once
 * the deployment has ended and every line has been sent.
 */
export function logStreamRoutes(app: Pick<App, 'deployments' | 'events'>): FastifyPluginAsyncZod {
  return async (server) => {
    const pages = createLogPages({
      read: (teamId, deploymentId, after, limit) =>
        app.deployments.logs(teamId, deploymentId, { after, limit, includeHidden: false }),
      event: (line) => `id: ${line.seq}\nevent: line\ndata: ${JSON.stringify(line)}\n\n`,
    })

    server.get(
      '/deployments/:uuid/logs/stream',
      {
        config: { ability: 'read:sensitive' },
        schema: {
          tags: ['deployments'],
          operationId: 'streamDeploymentLogs',
          summary: 'Stream log lines live (Server-Sent Events; resume with Last-Event-ID)',
          params: uuidParam,
          querystring: z.object({ after: sequenceQuery.optional() }),
          response: {
            200: text(
              'Server-Sent Events: `line` events (id: the sequence number; data: a LogLine as JSON), then one `end` event (data: `{"status"}`) once the deployment has ended',
              'text/event-stream',
            ),
            ...errorResponses(404),
          },
        },
      },
      async (request, reply) => {
        const teamId = principalOf(request).teamId
        const deploymentId = request.params.uuid
        await app.deployments.get(teamId, deploymentId) // 404 before the stream starts
        const header = request.headers['last-event-id']
        let sent = Number.parseInt(typeof header === 'string' ? header : '', 10)
        if (!Number.isSafeInteger(sent) || sent < 0 || sent > MAX_STORED_NUMBER) sent = request.query.after ?? 0

        const raw = startEventStream(reply)
        let closed = false
        let pumping: Promise<void> | undefined
        let pumpAgain = false

        async function pump(): Promise<void> {
          for (;;) {
            const slice = await pages.after(teamId, deploymentId, sent)
            const caughtUp = slice.nextAfter === sent
            sent = slice.nextAfter
            // A slow reader: wait until the socket takes more before reading the next page, so a
            // long log is never buffered whole in memory (bench:log-stream, 10 readers of 100,000 lines:
            // peak RSS 1,021 MiB without this wait, 276 MiB with it).
            if (slice.text !== '' && !raw.write(slice.text)) await drained(raw)
            if (closed) return
            if (caughtUp) {
              if (slice.status !== undefined && slice.status !== 'queued' && slice.status !== 'in_progress') {
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
              request.log.error({ err: error, deploymentId }, 'log stream failed')
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
        const offLog = app.events.on('deployment.log', (e) =>
          e.deploymentId === deploymentId ? schedule() : undefined,
        )
        const offEnd = app.events.on('deployment.finished', (e) =>
          e.deploymentId === deploymentId ? schedule() : undefined,
        )
        const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS)
        const poll = setInterval(schedule, POLL_MS)
        function finish() {
          if (closed) return
          closed = true
          offLog()
          offEnd()
          clearInterval(heartbeat)
          clearInterval(poll)
          raw.end()
        }
        raw.on('close', finish)
        schedule()
      },
    )
  }
}
