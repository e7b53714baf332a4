import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { hasAbility } from '../auth/principal.js'
import { principalOf } from '../http/auth-hook.js'
import { uuidParam } from '../http/schemas.js'

const putBody = z.record(z.string(), z.object({ value: z.string().max(65536), secret: z.boolean().optional() }))

export function envRoutes(app: App): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/services/:uuid/env',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['env'],
          summary: 'Environment variables; secret values are masked without read:sensitive',
          params: uuidParam,
        },
      },
      async (request) => {
        const p = principalOf(request)
        return { env: await app.env.list(p.teamId, request.params.uuid, hasAbility(p, 'read:sensitive')) }
      },
    )

    server.put(
      '/services/:uuid/env',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['env'],
          summary: 'Set the named variables, leaving the others unchanged',
          params: uuidParam,
          body: putBody,
        },
      },
      async (request) => {
        const p = principalOf(request)
        await app.env.put(p.teamId, request.params.uuid, request.body, actorOf(p))
        return { env: await app.env.list(p.teamId, request.params.uuid, hasAbility(p, 'read:sensitive')) }
      },
    )

    server.delete(
      '/services/:uuid/env/:key',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['env'],
          summary: 'Remove one variable',
          params: uuidParam.extend({ key: z.string().min(1).max(255) }),
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.env.remove(p.teamId, request.params.uuid, request.params.key, actorOf(p))
        return reply.status(204).send()
      },
    )
  }
}
