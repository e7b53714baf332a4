import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json, timestamp } from '../http/responses.js'
import { sequenceQuery, uuidParam } from '../http/schemas.js'
import type { Principal } from '../auth/principal.js'
import { BadRequestError, ForbiddenError } from '../errors.js'
import { deploymentView, triggerOf } from './deployments.service.js'

const deployBody = z.object({
  uuid: z.string().min(1).max(4000).describe('A service or database uuid, or several separated by commas'),
  force: z.boolean().optional().describe('Queue a new deployment even if one is already queued'),
  pull: z.boolean().optional().describe('Pull the latest images first'),
  stop_before_start: z.boolean().optional().describe('Run `docker compose down` first'),
})
const flag = z.enum(['true', 'false']).transform((v) => v === 'true')
const deployQuery = z.object({
  uuid: deployBody.shape.uuid.optional(),
  force: flag.optional().describe(deployBody.shape.force.description ?? ''),
  pull: flag.optional().describe(deployBody.shape.pull.description ?? ''),
  stop_before_start: flag.optional().describe(deployBody.shape.stop_before_start.description ?? ''),
})
type DeployInput = { uuid?: string; force?: boolean; pull?: boolean; stop_before_start?: boolean }
const pageQuery = z.object({
  skip: z.coerce.number().int().min(0).default(0),
  take: z.coerce.number().int().min(1).max(100).default(10),
})
const teamListQuery = pageQuery.extend({
  scope: z
    .enum(['active', 'all'])
    .default('active')
    .describe('"active": queued and running only (skip/take ignored); "all": the whole history, paged'),
})
export const logsQuery = z.object({
  after: sequenceQuery.default(0),
  limit: z.coerce.number().int().min(1).max(5000).default(1000),
  include_hidden: z.enum(['true', 'false']).default('false'),
})
const uuidList = z.array(z.string().uuid('must be a UUID'))

const deploymentStatus = z.enum(['queued', 'in_progress', 'finished', 'failed', 'cancelled-by-user'])
const resourceType = z.enum(['service', 'database', 'proxy'])
/** What a Git deployment built (null for any other deployment). */
const deploymentGit = z
  .object({
    ref: z.string().describe('The branch or commit asked for'),
    commit: z.string().nullable().describe('The commit built or rolled back to, once resolved'),
    message: z.string().nullable().describe("The commit's subject line"),
    author: z.string().nullable(),
    image: z.string().nullable().describe('The image tag it deployed, berth/<service uuid>:<commit>'),
  })
  .nullable()
  .meta({ id: 'DeploymentGit' })
/** A deployment as every list and page shows it (the proxy's page too). */
export const deployment = z
  .object({
    deployment_uuid: z.string(),
    resource_type: resourceType,
    resource_uuid: z.string(),
    resource_name: z.string(),
    server_uuid: z.string(),
    server_name: z.string(),
    action: z.enum(['deploy', 'stop', 'restart', 'remove', 'attach']),
    status: deploymentStatus,
    trigger: z.enum(['api', 'ui', 'cli', 'rollback', 'webhook']),
    compose_version: z.number().int().nullable(),
    force: z.boolean(),
    pull_latest_images: z.boolean(),
    stop_before_start: z.boolean(),
    exit_code: z.number().int().nullable(),
    message: z.string().nullable(),
    rollback_of: z
      .string()
      .nullable()
      .describe('For an automatic rollback: the deployment that failed its health check and is replaced'),
    git: deploymentGit,
    created_by: z.string(),
    created_at: timestamp,
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
  })
  .meta({ id: 'Deployment' })
const deploymentList = z
  .object({
    count: z.number().int().describe('All matching deployments, not only this page'),
    deployments: z.array(deployment),
  })
  .meta({ id: 'DeploymentList' })
const queuedDeployment = z
  .object({ resource_uuid: z.string(), deployment_uuid: z.string(), message: z.string() })
  .meta({ id: 'QueuedDeployment', description: 'A queued deployment, or the queued one a request was merged into' })
const queuedDeployments = z.object({ deployments: z.array(queuedDeployment) })
export const logPage = z
  .object({
    deployment_uuid: z.string(),
    status: deploymentStatus,
    lines: z.array(
      z
        .object({
          seq: z.number().int(),
          ts: timestamp,
          stream: z.enum(['stdout', 'stderr', 'berth']),
          output: z.string(),
          hidden: z.boolean(),
        })
        .meta({ id: 'LogLine' }),
    ),
    next_after: z.number().int().describe('The `after` of the next page'),
    has_more: z.boolean(),
  })
  .meta({ id: 'LogPage' })
const containerSummary = z.object({
  id: z.string(),
  name: z.string(),
  service: z.string().describe('The compose service'),
  state: z.string(),
  status: z.string(),
})
const runtimeStatus = z
  .object({
    uuid: z.string(),
    server_uuid: z.string(),
    status: z.enum(['running', 'unhealthy', 'partially running', 'exited', 'restarting', 'not deployed']),
    containers: z.array(containerSummary),
  })
  .meta({ id: 'RuntimeStatus' })
const containerLogs = z
  .object({
    containers: z.array(
      containerSummary.omit({ id: true }).extend({ lines: z.array(z.string()).describe('Redacted output lines') }),
    ),
  })
  .meta({ id: 'ContainerLogs' })
const capitalized = { service: 'Service', database: 'Database' } as const

export function deploymentRoutes(app: Pick<App, 'deployments' | 'resourceRuntime'>): FastifyPluginAsyncZod {
  return async (server) => {
    /** Queues the deployments a /deploy request names, from its body or, as Coolify's API takes them, its query. */
    async function queueFromRequest(p: Principal, input: DeployInput) {
      const ids = uuidList.safeParse(
        (input.uuid ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      if (!ids.success || ids.data.length === 0)
        throw new BadRequestError(
          'invalid_request',
          'uuid must be one UUID or a comma-separated list of UUIDs, in the JSON body or the query string.',
        )
      const { force, pull, stop_before_start } = input
      return app.deployments.queue(
        p.teamId,
        ids.data,
        { force, pull, stopBeforeStart: stop_before_start, trigger: triggerOf(p.via) },
        actorOf(p),
      )
    }

    server.post(
      '/deploy',
      {
        config: { ability: 'deploy' },
        schema: {
          tags: ['deployments'],
          operationId: 'deploy',
          summary: 'Queue deployments of services or databases (parameters in the JSON body or the query string)',
          body: deployBody.partial(),
          querystring: deployQuery,
          response: { 202: json(queuedDeployments, 'Queued (or merged)'), ...errorResponses(404, 429) },
        },
      },
      async (request, reply) => {
        const input = { ...request.query, ...request.body }
        return reply.status(202).send({ deployments: await queueFromRequest(principalOf(request), input) })
      },
    )

    // Coolify's deploy webhook is a GET with the parameters in the query, so CI scripts written for
    // it work unchanged. A GET that changes something must not be reachable by a cross-site request
    // riding on a session cookie: only API tokens may call it.
    server.get(
      '/deploy',
      {
        config: { ability: 'deploy' },
        schema: {
          tags: ['deployments'],
          operationId: 'deployByGet',
          summary: "Queue deployments, Coolify's way: GET with uuid (and force) in the query; API tokens only",
          querystring: deployQuery,
          response: { 202: json(queuedDeployments, 'Queued (or merged)'), ...errorResponses(404, 429) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        if (!p.via.startsWith('token:'))
          throw new ForbiddenError('token_required', 'GET /api/v1/deploy takes an API token; from a browser use POST.')
        return reply.status(202).send({ deployments: await queueFromRequest(p, request.query) })
      },
    )

    server.get(
      '/deployments',
      {
        config: { ability: 'read', servedByReaders: true },
        schema: {
          tags: ['deployments'],
          summary:
            'Deployments of the team, newest first: queued and running ones, or with scope=all the whole history',
          operationId: 'listDeployments',
          querystring: teamListQuery,
          response: { 200: json(deploymentList, 'Deployments, newest first') },
        },
      },
      async (request) => {
        const teamId = principalOf(request).teamId
        const { scope, skip, take } = request.query
        if (scope === 'all') {
          const page = await app.deployments.listTeam(teamId, skip, take)
          return { count: page.count, deployments: page.deployments.map(deploymentView) }
        }
        const rows = await app.deployments.listActive(teamId)
        return { count: rows.length, deployments: rows.map(deploymentView) }
      },
    )

    server.get(
      '/deployments/:uuid',
      {
        config: { ability: 'read', servedByReaders: true },
        schema: {
          tags: ['deployments'],
          operationId: 'getDeployment',
          summary: 'One deployment',
          params: uuidParam,
          response: { 200: json(deployment, 'The deployment'), ...errorResponses(404) },
        },
      },
      async (request) => {
        return deploymentView(await app.deployments.get(principalOf(request).teamId, request.params.uuid))
      },
    )

    server.post(
      '/deployments/:uuid/cancel',
      {
        config: { ability: 'deploy' },
        schema: {
          tags: ['deployments'],
          operationId: 'cancelDeployment',
          summary: 'Cancel a queued or running deployment',
          params: uuidParam,
          response: {
            202: json(z.object({ deployment_uuid: z.string(), message: z.string() }), 'Cancelled, or being cancelled'),
            ...errorResponses(404, 409),
          },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        return reply.status(202).send(await app.deployments.cancel(p.teamId, request.params.uuid, actorOf(p)))
      },
    )

    server.get(
      '/deployments/:uuid/logs',
      {
        config: { ability: 'read:sensitive' },
        schema: {
          tags: ['deployments'],
          operationId: 'getDeploymentLogs',
          summary: 'Log lines after a sequence number',
          params: uuidParam,
          querystring: logsQuery,
          response: { 200: json(logPage, 'One page of lines'), ...errorResponses(404) },
        },
      },
      async (request) => {
        const { after, limit, include_hidden } = request.query
        return app.deployments.logs(principalOf(request).teamId, request.params.uuid, {
          after,
          limit,
          includeHidden: include_hidden === 'true',
        })
      },
    )

    for (const type of ['service', 'database'] as const) {
      server.get(
        `/deployments/${type}s/:uuid`,
        {
          config: { ability: 'read', servedByReaders: true },
          schema: {
            tags: ['deployments'],
            operationId: `list${capitalized[type]}Deployments`,
            summary: `A ${type}'s deployment history, newest first`,
            params: uuidParam,
            querystring: pageQuery,
            response: { 200: json(deploymentList, 'Deployments, newest first'), ...errorResponses(404) },
          },
        },
        async (request) => {
          const { skip, take } = request.query
          const page = await app.deployments.listForResource(principalOf(request).teamId, {
            type,
            resourceId: request.params.uuid,
            skip,
            take,
          })
          return { count: page.count, deployments: page.deployments.map(deploymentView) }
        },
      )

      server.get(
        `/deployments/${type}s/deployment/:uuid`,
        {
          config: { ability: 'read' },
          schema: {
            tags: ['deployments'],
            operationId: `get${capitalized[type]}Deployment`,
            summary: `One ${type} deployment`,
            params: uuidParam,
            response: { 200: json(deployment, 'The deployment'), ...errorResponses(404) },
          },
        },
        async (request) => {
          return deploymentView(await app.deployments.get(principalOf(request).teamId, request.params.uuid, type))
        },
      )

      for (const action of ['stop', 'restart'] as const) {
        server.post(
          `/${type}s/:uuid/${action}`,
          {
            config: { ability: 'deploy' },
            schema: {
              tags: ['deployments'],
              operationId: `${action}${capitalized[type]}`,
              summary: `${action === 'stop' ? 'Stop' : 'Restart'} a ${type} (a recorded deployment)`,
              params: uuidParam,
              response: { 202: json(queuedDeployment, 'Queued (or merged)'), ...errorResponses(404, 429) },
            },
          },
          async (request, reply) => {
            const p = principalOf(request)
            const [queued] = await app.deployments.queue(
              p.teamId,
              [request.params.uuid],
              { action, trigger: triggerOf(p.via), expectedType: type },
              actorOf(p),
            )
            return reply.status(202).send(queued)
          },
        )
      }

      server.get(
        `/${type}s/:uuid/logs`,
        {
          config: { ability: 'read:sensitive' },
          schema: {
            tags: ['deployments'],
            operationId: `get${capitalized[type]}Logs`,
            summary: `The ${type}'s containers' recent output from the engine (redacted)`,
            params: uuidParam,
            querystring: z.object({ lines: z.coerce.number().int().min(1).max(10000).default(100) }),
            response: { 200: json(containerLogs, 'Each container with its last lines'), ...errorResponses(404, 502) },
          },
        },
        async (request) => {
          return app.resourceRuntime.logs(principalOf(request).teamId, request.params.uuid, type, request.query.lines)
        },
      )

      server.get(
        `/${type}s/:uuid/status`,
        {
          config: { ability: 'read' },
          schema: {
            tags: ['deployments'],
            operationId: `get${capitalized[type]}Status`,
            summary: `The ${type}'s status from the engine (by Compose project label)`,
            params: uuidParam,
            response: { 200: json(runtimeStatus, 'Its status and containers'), ...errorResponses(404, 502) },
          },
        },
        async (request) => {
          return app.resourceRuntime.status(principalOf(request).teamId, request.params.uuid, type)
        },
      )
    }
  }
}
