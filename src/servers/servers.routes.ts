import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { hasAbility } from '../auth/principal.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json, noContent, timestamp } from '../http/responses.js'
import { uuidParam } from '../http/schemas.js'
import { serverView } from './servers.service.js'

const serverBody = z.object({
  name: z.string().min(1).max(200),
  docker_host: z.string().min(1).max(500).describe('unix:///var/run/docker.sock or ssh://user@host[:port]'),
  private_key: z.string().min(1).max(20000).optional().describe('For ssh:// servers; stored encrypted, never returned'),
  concurrency_limit: z.number().int().min(1).max(100).optional(),
  queue_limit: z.number().int().min(1).max(10000).optional(),
})
const containerParams = z.object({ id: z.string().min(1).max(128), action: z.enum(['start', 'stop', 'restart']) })

/** The disk under an engine's data (images, containers, volumes), as the server monitor read it. */
export const engineDisk = z
  .object({ free_bytes: z.number().int(), total_bytes: z.number().int() })
  .nullable()
  .describe(
    "The disk under the engine's data (images, containers, volumes); read with statfs for a local engine and `df -P` over the ssh connection of an ssh:// one; null where Berth cannot read it (unreachable, the directory not visible to Berth, or the ssh user not allowed to run df)",
  )

/** The host's load averages, as the server monitor read them. */
export const engineLoad = z
  .object({ one: z.number(), five: z.number(), fifteen: z.number(), cpus: z.number().int() })
  .nullable()
  .describe(
    "The host's load averages over 1, 5 and 15 minutes and its CPU count; null where Berth cannot read them (unreachable, or a host without /proc/loadavg)",
  )

const serverState = z
  .object({
    reachable: z.boolean(),
    engine_version: z.string().nullable(),
    api_version: z.string().nullable(),
    compose_version: z.string().nullable(),
    containers_running: z.number().int().nullable(),
    containers_stopped: z.number().int().nullable(),
    disk: engineDisk,
    load: engineLoad,
    error: z.string().nullable(),
    checked_at: timestamp,
  })
  .meta({ id: 'ServerState', description: 'What Berth last saw of a server' })
const serverSchema = z
  .object({
    uuid: z.string(),
    name: z.string(),
    docker_host: z.string(),
    shared: z.boolean().describe('Shared by all teams (only instance administrators change it)'),
    default: z.boolean().describe('Resources not placed on a server deploy here'),
    has_private_key: z.boolean().describe('Whether an SSH key is stored (the key is never returned)'),
    concurrency_limit: z.number().int(),
    queue_limit: z.number().int(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Server' })
const serverWithState = serverSchema
  .extend({ state: serverState.nullable().describe('Null until the monitor has checked it') })
  .meta({ id: 'ServerWithState' })

export function serverRoutes(app: Pick<App, 'containers' | 'serverMonitor' | 'servers'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/servers',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['servers'],
          operationId: 'listServers',
          summary: 'Servers the team can deploy to, with their live state',
          response: { 200: json(z.object({ servers: z.array(serverWithState) }), 'Servers by name') },
        },
      },
      async (request) => {
        return { servers: await app.servers.list(principalOf(request).teamId) }
      },
    )

    server.get(
      '/servers/:uuid',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['servers'],
          operationId: 'getServer',
          summary: 'A server with its live state',
          params: uuidParam,
          response: { 200: json(serverWithState, 'The server'), ...errorResponses(404) },
        },
      },
      async (request) => {
        const s = await app.servers.get(principalOf(request).teamId, request.params.uuid)
        return { ...s, state: app.serverMonitor.stateOf(s.uuid) }
      },
    )

    server.post(
      '/servers',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['servers'],
          operationId: 'createServer',
          summary: 'Add a server (a Docker engine), private to the team or, for instance administrators, shared',
          body: serverBody.extend({
            shared: z.boolean().optional().describe('Every team may deploy to it (instance administrators only)'),
          }),
          response: { 201: json(serverSchema, 'Added'), ...errorResponses(409) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const created = await app.servers.create(p.teamId, request.body, actorOf(p), hasAbility(p, 'instance'))
        return reply.status(201).send(serverView(created))
      },
    )

    server.patch(
      '/servers/:uuid',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['servers'],
          operationId: 'updateServer',
          summary: 'Change a server',
          params: uuidParam,
          body: serverBody.partial(),
          response: { 200: json(serverSchema, 'The changed server'), ...errorResponses(404) },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return serverView(
          await app.servers.update(p.teamId, request.params.uuid, request.body, actorOf(p), hasAbility(p, 'instance')),
        )
      },
    )

    server.delete(
      '/servers/:uuid',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['servers'],
          operationId: 'deleteServer',
          summary: 'Remove a server nothing runs on',
          params: uuidParam,
          response: { 204: noContent('Removed'), ...errorResponses(404, 409) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.servers.remove(p.teamId, request.params.uuid, actorOf(p), hasAbility(p, 'instance'))
        return reply.status(204).send()
      },
    )

    server.post(
      '/servers/:uuid/check',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['servers'],
          operationId: 'checkServer',
          summary: 'Reachability, engine version and Compose version, measured now',
          params: uuidParam,
          response: { 200: json(serverState, 'What the check found'), ...errorResponses(404) },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return app.servers.check(p.teamId, request.params.uuid, hasAbility(p, 'instance'))
      },
    )

    server.put(
      '/services/:uuid/server',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['servers'],
          operationId: 'assignServer',
          summary: 'Place a service or database on a server (used by its next deployment)',
          params: uuidParam,
          body: z.object({ server_uuid: z.string().uuid() }),
          response: {
            200: json(z.object({ uuid: z.string(), server_uuid: z.string() }), 'Placed'),
            ...errorResponses(404),
          },
        },
      },
      async (request) => {
        const p = principalOf(request)
        await app.servers.assignResource(p.teamId, request.params.uuid, request.body.server_uuid, actorOf(p))
        return { uuid: request.params.uuid, server_uuid: request.body.server_uuid }
      },
    )

    server.post(
      '/containers/:id/:action',
      {
        config: { ability: 'deploy' },
        schema: {
          tags: ['servers'],
          operationId: 'containerAction',
          summary: "Start, stop or restart one of the team's containers",
          params: containerParams,
          body: z.object({ server_uuid: z.string().uuid() }),
          response: {
            200: json(
              z.object({
                container_id: z.string(),
                server_uuid: z.string(),
                action: containerParams.shape.action,
                done: z.literal(true),
              }),
              'Done',
            ),
            ...errorResponses(404, 502),
          },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return app.containers.act(
          p.teamId,
          { serverId: request.body.server_uuid, containerId: request.params.id, action: request.params.action },
          actorOf(p),
        )
      },
    )
  }
}
