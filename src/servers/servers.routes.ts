import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { hasAbility } from '../auth/principal.js'
import { principalOf } from '../http/auth-hook.js'
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

export function serverRoutes(app: App): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/servers',
      {
        config: { ability: 'read' },
        schema: { tags: ['servers'], summary: 'Servers the team can deploy to, with their live state' },
      },
      async (request) => {
        return { servers: await app.servers.list(principalOf(request).teamId) }
      },
    )

    server.get(
      '/servers/:uuid',
      {
        config: { ability: 'read' },
        schema: { tags: ['servers'], summary: 'A server with its live state', params: uuidParam },
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
          summary: 'Add a server (a Docker engine), private to the team or, for instance administrators, shared',
          body: serverBody.extend({
            shared: z.boolean().optional().describe('Every team may deploy to it (instance administrators only)'),
          }),
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
        schema: { tags: ['servers'], summary: 'Change a server', params: uuidParam, body: serverBody.partial() },
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
        schema: { tags: ['servers'], summary: 'Remove a server nothing runs on', params: uuidParam },
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
          summary: 'Reachability, engine version and Compose version, measured now',
          params: uuidParam,
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
          summary: 'Place a service or database on a server (used by its next deployment)',
          params: uuidParam,
          body: z.object({ server_uuid: z.string().uuid() }),
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
          summary: "Start, stop or restart one of the team's containers",
          params: containerParams,
          body: z.object({ server_uuid: z.string().uuid() }),
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
