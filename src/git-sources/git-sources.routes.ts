import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json } from '../http/responses.js'
import { uuidParam } from '../http/schemas.js'
import { COMMIT_PATTERN, sourceInput, sourceView } from './git-sources.types.js'

const queued = z
  .object({ resource_uuid: z.string(), deployment_uuid: z.string(), message: z.string() })
  .meta({ id: 'QueuedGitDeployment' })
const commitBody = z.object({
  commit: z
    .string()
    .regex(COMMIT_PATTERN, 'must be a commit sha')
    .optional()
    .describe('Default: the head of the branch'),
})

export function gitSourceRoutes(app: Pick<App, 'gitSources'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/services/:uuid/git',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['git'],
          operationId: 'getGitSource',
          summary: "A service's Git source (secrets masked)",
          params: uuidParam,
          response: { 200: json(sourceView, 'The Git source'), ...errorResponses(404) },
        },
      },
      async (request) => app.gitSources.get(principalOf(request).teamId, request.params.uuid),
    )

    server.put(
      '/services/:uuid/git',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['git'],
          operationId: 'putGitSource',
          summary: 'Build a service from a Git repository (a Dockerfile or a compose file in it)',
          params: uuidParam,
          body: sourceInput,
          response: { 200: json(sourceView, 'The saved Git source'), ...errorResponses(400, 404) },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return app.gitSources.put(p.teamId, request.params.uuid, request.body, actorOf(p))
      },
    )

    server.post(
      '/services/:uuid/git/webhook-secret',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['git'],
          operationId: 'rotateGitWebhookSecret',
          summary: 'A new webhook secret, shown once',
          params: uuidParam,
          response: {
            200: json(z.object({ webhook_path: z.string(), secret: z.string() }), 'The new secret'),
            ...errorResponses(404),
          },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return app.gitSources.rotateWebhookSecret(p.teamId, request.params.uuid, actorOf(p))
      },
    )

    server.post(
      '/services/:uuid/git/deploy-token',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['git'],
          operationId: 'rotateGitDeployToken',
          summary: 'A new deploy token for CI systems, shown once',
          params: uuidParam,
          response: {
            200: json(z.object({ deploy_path: z.string(), token: z.string() }), 'The new token'),
            ...errorResponses(404),
          },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return app.gitSources.rotateDeployToken(p.teamId, request.params.uuid, actorOf(p))
      },
    )

    server.post(
      '/services/:uuid/git/deploy',
      {
        config: { ability: 'deploy' },
        schema: {
          tags: ['git'],
          operationId: 'deployGitCommit',
          summary: 'Build and deploy the head of the branch, or one commit',
          params: uuidParam,
          body: commitBody,
          response: { 202: json(queued, 'Queued (or merged into a queued build)'), ...errorResponses(400, 404, 429) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const q = await app.gitSources.deploy(p.teamId, request.params.uuid, request.body, actorOf(p))
        return reply.status(202).send(q)
      },
    )

    server.post(
      '/services/:uuid/git/rollback',
      {
        config: { ability: 'deploy' },
        schema: {
          tags: ['git'],
          operationId: 'rollbackGitDeployment',
          summary: 'Redeploy what an earlier successful Git deployment ran, without rebuilding',
          params: uuidParam,
          body: z.object({ deployment_uuid: z.string().uuid('must be a UUID') }),
          response: { 202: json(queued, 'Queued'), ...errorResponses(400, 404, 429) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const q = await app.gitSources.rollback(p.teamId, request.params.uuid, request.body.deployment_uuid, actorOf(p))
        return reply.status(202).send(q)
      },
    )
  }
}
