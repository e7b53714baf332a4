import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { idParam } from '../http/schemas.js'
import { ABILITIES } from './principal.js'

const createBody = z.object({
  name: z.string().trim().min(1).max(200),
  abilities: z.array(z.enum(ABILITIES)).min(1),
  expires_at: z.string().datetime({ offset: true }).nullish(),
})

export function tokenRoutes(app: App): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/tokens',
      {
        config: { ability: 'read' },
        schema: { tags: ['tokens'], summary: "List the team's active tokens (never their secrets)" },
      },
      async (request) => {
        return { tokens: await app.tokens.list(principalOf(request).teamId) }
      },
    )

    server.post(
      '/tokens',
      {
        config: { ability: 'write' },
        schema: { tags: ['tokens'], summary: 'Create a token; its secret is shown once', body: createBody },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const expiresAt = request.body.expires_at ? new Date(request.body.expires_at).toISOString() : null
        const token = await app.tokens.create(
          p,
          { name: request.body.name, abilities: request.body.abilities, expiresAt },
          actorOf(p),
        )
        return reply.status(201).send({ uuid: token.id, ...token })
      },
    )

    server.delete(
      '/tokens/:id',
      { config: { ability: 'write' }, schema: { tags: ['tokens'], summary: 'Revoke a token', params: idParam } },
      async (request, reply) => {
        const p = principalOf(request)
        await app.tokens.revoke(p.teamId, request.params.id, actorOf(p))
        return reply.status(204).send()
      },
    )
  }
}
