import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json, noContent, timestamp } from '../http/responses.js'
import { deleteVolumesQuery, uuidParam } from '../http/schemas.js'

const createBody = z.object({
  name: z.string().min(1).max(63),
  compose: z.string().min(1),
  description: z.string().max(2000).optional(),
  change_description: z.string().max(500).optional(),
  server_uuid: z
    .string()
    .uuid('must be a UUID')
    .optional()
    .describe("The server it deploys to (one of the team's); default: the project's default server"),
})
const healthTimeout = z
  .number()
  .int()
  .min(1)
  .max(3600)
  .describe('How long a deployment waits for healthy containers before it fails, in seconds (default 120)')
const autoRollback = z
  .boolean()
  .describe('When a deployment fails its health check, redeploy the last compose version that passed')
const patchBody = z.object({
  name: z.string().min(1).max(63).optional(),
  description: z.string().max(2000).optional(),
  health_timeout_seconds: healthTimeout.optional(),
  auto_rollback: autoRollback.optional(),
})

const service = z
  .object({
    uuid: z.string(),
    project_uuid: z.string(),
    name: z.string(),
    description: z.string(),
    current_version: z.number().int(),
    server_uuid: z.string().nullable().describe('The server it deploys to; null: the instance default server'),
    health_timeout_seconds: healthTimeout,
    auto_rollback: autoRollback,
    git_source: z
      .boolean()
      .optional()
      .describe('Whether it builds from a Git repository (GET /services/{uuid} says; lists leave it out)'),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Service' })

type ServiceRow = {
  id: string
  project_id: string
  name: string
  description: string
  current_version: number
  server_id?: string | null
  health_timeout_seconds?: number
  auto_rollback?: number
  created_at: string
  updated_at: string
}

function view(s: ServiceRow) {
  return {
    uuid: s.id,
    project_uuid: s.project_id,
    name: s.name,
    description: s.description,
    current_version: s.current_version,
    server_uuid: s.server_id ?? null,
    health_timeout_seconds: s.health_timeout_seconds ?? 120,
    auto_rollback: s.auto_rollback === 1,
    created_at: s.created_at,
    updated_at: s.updated_at,
  }
}

export function serviceRoutes(app: Pick<App, 'services' | 'gitSources'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.post(
      '/projects/:uuid/services',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['services'],
          operationId: 'createService',
          summary: 'Create a service with its first compose version',
          params: uuidParam,
          body: createBody,
          response: { 201: json(service, 'Created with compose version 1'), ...errorResponses(404, 409, 422) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const { name, compose, description, change_description, server_uuid } = request.body
        const service = await app.services.create(
          p.teamId,
          request.params.uuid,
          { name, compose, description, versionDescription: change_description, serverId: server_uuid },
          actorOf(p),
        )
        return reply.status(201).send(view(service))
      },
    )

    server.get(
      '/services/:uuid',
      {
        config: { ability: 'read', servedByReaders: true },
        schema: {
          tags: ['services'],
          operationId: 'getService',
          summary: 'A service',
          params: uuidParam,
          response: { 200: json(service, 'The service'), ...errorResponses(404) },
        },
      },
      async (request) => {
        const found = view(await app.services.get(principalOf(request).teamId, request.params.uuid))
        // The page asks for the Git source only when there is one (a 404 would be a console error).
        return { ...found, git_source: await app.gitSources.has(found.uuid) }
      },
    )

    server.patch(
      '/services/:uuid',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['services'],
          operationId: 'updateService',
          summary: 'Rename or describe a service, or set its health timeout and automatic rollback',
          params: uuidParam,
          body: patchBody,
          response: { 200: json(service, 'The changed service'), ...errorResponses(404, 409) },
        },
      },
      async (request) => {
        const p = principalOf(request)
        const { name, description, health_timeout_seconds, auto_rollback } = request.body
        return view(
          await app.services.update(
            p.teamId,
            request.params.uuid,
            { name, description, healthTimeoutSeconds: health_timeout_seconds, autoRollback: auto_rollback },
            actorOf(p),
          ),
        )
      },
    )

    server.delete(
      '/services/:uuid',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['services'],
          operationId: 'deleteService',
          summary: 'Delete a service and its history; what it runs is taken down',
          params: uuidParam,
          querystring: deleteVolumesQuery,
          response: { 204: noContent('Deleted; a removal is queued if it was deployed'), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.services.remove(p.teamId, request.params.uuid, actorOf(p), {
          deleteVolumes: request.query.delete_volumes === 'true',
        })
        return reply.status(204).send()
      },
    )
  }
}
