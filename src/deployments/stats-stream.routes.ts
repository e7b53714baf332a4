import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { App } from '../app.js'
import { principalOf } from '../http/auth-hook.js'
import { keepAlive, startEventStream } from '../http/event-stream.js'
import { errorResponses, text } from '../http/responses.js'
import { uuidParam } from '../http/schemas.js'
import { killProcessGroup } from '../servers/docker-host.js'
import { followStats } from './container-stats.js'

const capitalized = { service: 'Service', database: 'Database' } as const

/** Live CPU, memory and network of a service's or database's running containers, over Server-Sent Events. */
export function statsStreamRoutes(app: Pick<App, 'resourceRuntime'>): FastifyPluginAsyncZod {
  return async (server) => {
    for (const type of ['service', 'database'] as const) {
      server.get(
        `/${type}s/:uuid/stats/stream`,
        {
          config: { ability: 'read' },
          schema: {
            tags: ['deployments'],
            operationId: `stream${capitalized[type]}Stats`,
            summary: `Live CPU, memory and network of the ${type}'s running containers, from the engine's stats stream`,
            params: uuidParam,
            response: {
              200: text(
                'Server-Sent Events: `stats` events (data: `{ name, cpu_percent, memory_bytes, memory_limit_bytes, memory_percent, net_rx_bytes, net_tx_bytes }`), about one per container per second; one `end` event when nothing runs',
                'text/event-stream',
              ),
              ...errorResponses(404),
            },
          },
        },
        async (request, reply) => {
          // 404 (and the engine's own errors) before the stream starts.
          const { host, containers } = await app.resourceRuntime.running(
            principalOf(request).teamId,
            request.params.uuid,
            type,
          )
          const raw = startEventStream(reply)
          if (containers.length === 0) {
            raw.end(`event: end\ndata: ${JSON.stringify({ reason: 'No container is running.' })}\n\n`)
            return
          }
          const child = followStats(host, containers, (sample) =>
            raw.write(`event: stats\ndata: ${JSON.stringify(sample)}\n\n`),
          )
          const stopKeepAlive = keepAlive(raw)
          // The stats process ends with the viewer: no engine stream outlives the page that asked.
          const finish = () => {
            stopKeepAlive()
            killProcessGroup(child)
            raw.end()
          }
          child.once('close', finish)
          raw.on('close', finish)
        },
      )
    }
  }
}
