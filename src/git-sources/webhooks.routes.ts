import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { errorResponses, json } from '../http/responses.js'
import { uuidParam } from '../http/schemas.js'
import { COMMIT_PATTERN } from './git-sources.types.js'
import { verifyWebhook } from './webhook-verify.js'

const outcome = z
  .object({
    queued: z
      .boolean()
      .describe(
        'false: nothing was built (a push to another branch, a closed request, an event Berth does not act on)',
      ),
    deployment_uuid: z.string().nullable(),
    message: z.string(),
  })
  .meta({ id: 'GitWebhookOutcome' })

/**
 * Called by Git hosts and CI systems, not by users: no session or API token, the per-service
 * webhook secret (or deploy token) is the credential.
 */
export function gitWebhookRoutes(app: Pick<App, 'gitSources'>): FastifyPluginAsyncZod {
  return async (server) => {
    // A signature covers the exact bytes sent, so this plugin keeps JSON bodies as text.
    server.removeContentTypeParser('application/json')
    server.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body))

    server.post(
      '/webhooks/git/:uuid',
      {
        config: { ability: 'public' },
        schema: {
          tags: ['git'],
          operationId: 'receiveGitWebhook',
          summary:
            'A push or pull/merge request webhook from GitHub, GitLab, Gitea/Forgejo or Bitbucket, signed with the service secret',
          params: uuidParam,
          body: z
            .string()
            .max(5_000_000)
            .describe('The event as the Git host sends it (JSON); the signature covers these bytes'),
          response: {
            202: json(outcome, 'Queued, or ignored (another branch)'),
            ...errorResponses(401, 404, 409, 422, 429),
          },
        },
      },
      async (request, reply) => {
        const result = await app.gitSources.receiveWebhook(
          request.params.uuid,
          (secret) => verifyWebhook(request.headers, request.body, secret),
          request.ip,
        )
        return reply.status(202).send(result)
      },
    )

    server.post(
      '/webhooks/git/:uuid/deploy',
      {
        config: { ability: 'public' },
        schema: {
          tags: ['git'],
          operationId: 'deployGitWithToken',
          summary: 'For CI systems: build and deploy the branch head (or ?commit=) with the deploy token',
          params: uuidParam,
          headers: z.object({
            'x-berth-deploy-token': z.string().max(200).optional().describe('The deploy token (without it: 401)'),
          }),
          querystring: z.object({ commit: z.string().regex(COMMIT_PATTERN, 'must be a commit sha').optional() }),
          response: {
            202: json(
              z.object({ resource_uuid: z.string(), deployment_uuid: z.string(), message: z.string() }),
              'Queued',
            ),
            ...errorResponses(400, 401, 404, 429),
          },
        },
      },
      async (request, reply) => {
        const q = await app.gitSources.deployWithToken(
          request.params.uuid,
          request.headers['x-berth-deploy-token'] ?? '',
          request.query.commit,
          request.ip,
        )
        return reply.status(202).send(q)
      },
    )
  }
}
