import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json, timestamp } from '../http/responses.js'
import { uuidParam, versionInput } from '../http/schemas.js'
import { deployment, logPage, logsQuery } from '../deployments/deployments.routes.js'

const kind = z.enum(['traefik', 'caddy'])
const hostPath = z.string().min(1).max(1024)

const proxySpec = z
  .object({
    proxy_uuid: z.string(),
    kind,
    image: z.string(),
    binary_path: z.string().nullable().describe("A host binary mounted read-only over the image's own"),
    extra_mounts: z.array(z.string()).describe('Host paths mounted read-only at the same path (its libraries)'),
    current_version: z.number().int(),
    desired_state: z.enum(['running', 'stopped']),
    updated_at: timestamp,
  })
  .meta({ id: 'ServerProxy', description: 'The proxy Berth runs on a server' })

const proxyStatus = z
  .object({
    server_uuid: z.string(),
    state: z
      .enum(['not_configured', 'running', 'stale', 'down', 'unreachable'])
      .describe(
        "stale: the container runs but does not serve Berth's current configuration; unreachable: the engine did not answer",
      ),
    message: z.string(),
    settings_kind: kind.describe('The proxy kind the instance settings ask for'),
    proxy: proxySpec.nullable(),
    container: z
      .object({
        id: z.string(),
        state: z.string(),
        running: z.boolean(),
        health: z.string().nullable(),
        restart_count: z.number().int(),
        started_at: z.string().nullable(),
        image: z.string(),
        ip: z.string().nullable().describe('Its address on the berth network'),
        admin_ip: z.string().nullable().describe("Caddy's: its address on the proxy's own admin network"),
      })
      .nullable(),
    config: z
      .object({
        checked: z.boolean(),
        reading_berth_config: z.boolean(),
        detail: z.string(),
        expected_routers: z.array(z.string()),
        missing_routers: z.array(z.string()),
      })
      .nullable()
      .describe("Null when the container does not run or its network is out of Berth's reach (remote server)"),
    deployments: z.array(deployment).describe('The latest deployments of the proxy, newest first'),
  })
  .meta({ id: 'ServerProxyStatus' })

const queued = z
  .object({ deployment_uuid: z.string(), version: z.number().int(), message: z.string() })
  .meta({ id: 'QueuedProxyDeployment' })

const configureBody = z
  .object({
    kind: kind.optional(),
    image: z.string().min(1).max(255).optional(),
    binary_path: hostPath.nullable().optional(),
    extra_mounts: z.array(hostPath).max(64).optional(),
  })
  .strict()

const versionSchema = z
  .object({
    version: z.number().int(),
    kind,
    image: z.string(),
    compose_yaml: z.string(),
    sha256: z.string(),
    author: z.string(),
    reason: z.string(),
    created_at: timestamp,
  })
  .meta({ id: 'ServerProxyVersion' })

export function proxyRuntimeRoutes(app: Pick<App, 'proxyRuntime'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/servers/:uuid/proxy',
      {
        config: { ability: 'instance' },
        schema: {
          tags: ['proxy'],
          operationId: 'getServerProxy',
          summary: "Whether the server's proxy container runs and serves Berth's configuration",
          params: uuidParam,
          response: {
            200: json(proxyStatus, 'The proxy as the engine and its own API show it now'),
            ...errorResponses(404),
          },
        },
      },
      async (request) => app.proxyRuntime.status(request.params.uuid),
    )

    server.post(
      '/servers/:uuid/proxy/:action',
      {
        config: { ability: 'instance' },
        schema: {
          tags: ['proxy'],
          operationId: 'actOnServerProxy',
          summary: "Starts, stops or restarts the server's proxy (a recorded deployment)",
          params: z.object({ uuid: z.string().uuid('must be a UUID'), action: z.enum(['start', 'stop', 'restart']) }),
          response: { 202: json(queued, 'The deployment is queued'), ...errorResponses(404, 409) },
        },
      },
      async (request, reply) => {
        const result = await app.proxyRuntime.act(
          request.params.uuid,
          request.params.action,
          actorOf(principalOf(request)),
        )
        return reply.code(202).send(result)
      },
    )

    server.put(
      '/servers/:uuid/proxy',
      {
        config: { ability: 'instance' },
        schema: {
          tags: ['proxy'],
          operationId: 'configureServerProxy',
          summary: "Changes the proxy's kind, image or mounted binary: a new version, deployed (an upgrade)",
          params: uuidParam,
          body: configureBody,
          response: {
            202: json(queued.extend({ proxy: proxySpec }), 'The new version and its queued deployment'),
            ...errorResponses(404, 409),
          },
        },
      },
      async (request, reply) => {
        const result = await app.proxyRuntime.configure(
          request.params.uuid,
          request.body,
          actorOf(principalOf(request)),
        )
        return reply.code(202).send(result)
      },
    )

    server.get(
      '/servers/:uuid/proxy/versions',
      {
        config: { ability: 'instance' },
        schema: {
          tags: ['proxy'],
          operationId: 'listServerProxyVersions',
          summary: "The proxy's compose file, every version, newest first",
          params: uuidParam,
          response: {
            200: json(z.object({ current_version: z.number().int(), versions: z.array(versionSchema) }), 'Versions'),
            ...errorResponses(404, 409),
          },
        },
      },
      async (request) => app.proxyRuntime.versions(request.params.uuid),
    )

    server.get(
      '/servers/:uuid/proxy/deployments/:deployment/logs',
      {
        config: { ability: 'instance' },
        schema: {
          tags: ['proxy'],
          operationId: 'getServerProxyDeploymentLogs',
          summary: "Log lines of one of the proxy's deployments, after a sequence number",
          params: z.object({
            uuid: z.string().uuid('must be a UUID'),
            deployment: z.string().uuid('must be a UUID'),
          }),
          querystring: logsQuery,
          response: { 200: json(logPage, 'One page of lines'), ...errorResponses(404, 409) },
        },
      },
      async (request) => {
        const { after, limit, include_hidden } = request.query
        return app.proxyRuntime.logs(request.params.uuid, request.params.deployment, {
          after,
          limit,
          includeHidden: include_hidden === 'true',
        })
      },
    )

    server.post(
      '/servers/:uuid/proxy/rollback',
      {
        config: { ability: 'instance' },
        schema: {
          tags: ['proxy'],
          operationId: 'rollbackServerProxy',
          summary: 'Deploys a copy of an earlier version of the proxy as its newest version',
          params: uuidParam,
          body: z.object({ version: versionInput }).strict(),
          response: { 202: json(queued, 'The copy and its queued deployment'), ...errorResponses(404, 409) },
        },
      },
      async (request, reply) => {
        const result = await app.proxyRuntime.rollback(
          request.params.uuid,
          request.body.version,
          actorOf(principalOf(request)),
        )
        return reply.code(202).send(result)
      },
    )
  }
}
