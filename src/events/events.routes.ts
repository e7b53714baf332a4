import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { App } from '../app.js'
import { principalOf } from '../http/auth-hook.js'
import { keepAlive, startEventStream } from '../http/event-stream.js'
import { text } from '../http/responses.js'
import type { BerthEvent } from './event-bus.js'

const DEPLOYMENT_EVENTS = ['deployment.queued', 'deployment.started', 'deployment.finished'] as const
type DeploymentEvent = Extract<BerthEvent, { type: (typeof DEPLOYMENT_EVENTS)[number] }>

/** What the stream says about a deployment: enough for a page to refresh what it shows. */
function deploymentMessage(e: DeploymentEvent) {
  const status = e.type === 'deployment.queued' ? 'queued' : e.type === 'deployment.started' ? 'in_progress' : e.status
  return { deployment_uuid: e.deploymentId, resource_uuid: e.resourceId, resource_type: e.resourceType, status }
}

/**
 * The caller's team's deployment status changes over Server-Sent Events, so the web UI's badges
 * change without polling. Events of other teams never reach the stream. A missed event (the
 * connection dropped) is not replayed: a client refetches what it shows when it reconnects.
 */
export function eventsRoutes(app: Pick<App, 'events'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/events',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['events'],
          operationId: 'streamEvents',
          summary: 'The team\'s deployment status changes, live (Server-Sent Events, event name "deployment")',
          response: {
            200: text(
              'Server-Sent Events: one `ready` event, then `deployment` events whose data is `{ deployment_uuid, resource_uuid, resource_type, status }`',
              'text/event-stream',
            ),
          },
        },
      },
      async (request, reply) => {
        const teamId = principalOf(request).teamId
        const raw = startEventStream(reply)
        // Tells the client the stream is live, so it can refetch whatever changed before it connected.
        raw.write('event: ready\ndata: {}\n\n')
        const send = (e: DeploymentEvent) => {
          if (e.teamId === teamId) raw.write(`event: deployment\ndata: ${JSON.stringify(deploymentMessage(e))}\n\n`)
        }
        const unsubscribe = DEPLOYMENT_EVENTS.map((type) => app.events.on(type, send))
        const stopKeepAlive = keepAlive(raw)
        raw.on('close', () => {
          stopKeepAlive()
          for (const off of unsubscribe) off()
        })
      },
    )
  }
}
