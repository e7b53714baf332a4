import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { principalOf } from '../http/auth-hook.js'
import { followLog, resumeAfter } from '../http/log-follow.js'
import { createLogPages } from '../http/log-pages.js'
import { errorResponses, text } from '../http/responses.js'
import { sequenceQuery, uuidParam } from '../http/schemas.js'

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
        followLog(request, reply, resumeAfter(request, request.query.after), {
          after: (after) => pages.after(teamId, deploymentId, after),
          running: ['queued', 'in_progress'],
          subscribe: (wake) => {
            const offLog = app.events.on('deployment.log', (e) =>
              e.deploymentId === deploymentId ? wake() : undefined,
            )
            const offEnd = app.events.on('deployment.finished', (e) =>
              e.deploymentId === deploymentId ? wake() : undefined,
            )
            return () => {
              offLog()
              offEnd()
            }
          },
        })
      },
    )
  }
}
