import type { ChildProcess } from 'node:child_process'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { App } from '../app.js'
import { principalOf } from '../http/auth-hook.js'
import { keepAlive, startEventStream } from '../http/event-stream.js'
import { errorResponses, text } from '../http/responses.js'
import { uuidParam } from '../http/schemas.js'
import { killProcessGroup } from '../servers/docker-host.js'

const capitalized = { service: 'Service', database: 'Database' } as const

/** The containers' output as it is written, over Server-Sent Events: what "follow" in the Logs tab shows. */
export function containerLogStreamRoutes(app: Pick<App, 'resourceRuntime'>): FastifyPluginAsyncZod {
  return async (server) => {
    for (const type of ['service', 'database'] as const) {
      server.get(
        `/${type}s/:uuid/logs/stream`,
        {
          config: { ability: 'read:sensitive' },
          schema: {
            tags: ['deployments'],
            operationId: `stream${capitalized[type]}Logs`,
            summary: `The ${type}'s containers' output from now on, live from the engine (redacted)`,
            params: uuidParam,
            response: {
              200: text(
                'Server-Sent Events: `line` events (data: `{ container, line }`, the line with its engine timestamp) as the containers write them; one `end` event when no container runs',
                'text/event-stream',
              ),
              ...errorResponses(404, 502),
            },
          },
        },
        async (request, reply) => {
          // Lines that come while the streams start wait for the response's head.
          let raw: ReturnType<typeof startEventStream> | undefined
          const early: string[] = []
          const send = (container: string, line: string) => {
            const event = `event: line\ndata: ${JSON.stringify({ container, line })}\n\n`
            if (raw) raw.write(event)
            else early.push(event)
          }
          // The viewer may leave while the streams start: whatever started then ends with it, and
          // no heartbeat keeps writing to nobody. No `docker logs --follow` outlives the page.
          let children: ChildProcess[] = []
          let stopKeepAlive: (() => void) | undefined
          let gone = false
          reply.raw.once('close', () => {
            gone = true
            stopKeepAlive?.()
            for (const child of children) killProcessGroup(child)
          })
          // 404 (and the engine's own errors) before the stream starts.
          children = await app.resourceRuntime.followLogs(principalOf(request).teamId, request.params.uuid, type, send)
          raw = startEventStream(reply)
          if (gone) {
            for (const child of children) killProcessGroup(child)
            return
          }
          for (const event of early.splice(0)) raw.write(event)
          if (children.length === 0) {
            raw.end(`event: end\ndata: ${JSON.stringify({ reason: 'No container: deploy first.' })}\n\n`)
            return
          }
          stopKeepAlive = keepAlive(raw)
          // The containers went away (removed, redeployed): the stream says so and ends.
          let following = children.length
          for (const child of children)
            child.once('close', () => {
              if (--following > 0 || gone) return
              stopKeepAlive()
              raw?.end(`event: end\ndata: ${JSON.stringify({ reason: 'The containers are gone.' })}\n\n`)
            })
        },
      )
    }
  }
}
