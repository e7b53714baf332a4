import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { uuidParam } from '../http/schemas.js'

const parameterChange = z
  .object({ type: z.enum(['string', 'integer', 'boolean', 'json']), value: z.unknown() })
  .nullable()
const putBody = z.object({
  parameters: z.record(z.string(), parameterChange),
  base_version: z.number().int().min(1).optional(),
})

export function parameterRoutes(app: App): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/services/:uuid/parameters',
      {
        config: { ability: 'read' },
        schema: { tags: ['parameters'], summary: 'Typed parameters the compose file renders with', params: uuidParam },
      },
      async (request) => {
        return app.parameters.list(principalOf(request).teamId, request.params.uuid)
      },
    )

    server.put(
      '/services/:uuid/parameters',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['parameters'],
          summary: 'Set (or, with null, remove) named parameters; writes a new compose version',
          params: uuidParam,
          body: putBody,
        },
      },
      async (request) => {
        const p = principalOf(request)
        const changes = Object.fromEntries(
          Object.entries(request.body.parameters).map(([name, c]) => [
            name,
            c === null ? null : { type: c.type, value: c.value },
          ]),
        )
        return app.parameters.update(
          p.teamId,
          request.params.uuid,
          { changes, baseVersion: request.body.base_version },
          actorOf(p),
        )
      },
    )
  }
}
