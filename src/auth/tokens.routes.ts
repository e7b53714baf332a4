import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json, noContent, timestamp } from '../http/responses.js'
import { idParam } from '../http/schemas.js'
import { abilitySchema } from './principal.js'

const createBody = z.object({
  name: z.string().trim().min(1).max(200),
  abilities: z.array(abilitySchema).min(1),
  expires_at: z.string().datetime({ offset: true }).nullish(),
})

const token = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().describe('The first characters of the token, to recognise it'),
    abilities: z.array(abilitySchema),
    expires_at: timestamp.nullable(),
    last_used_at: timestamp.nullable(),
    created_at: timestamp,
    created_by: z.string().describe("The creator's e-mail"),
  })
  .meta({ id: 'Token', description: 'An API token (never its secret)' })

const createdToken = z
  .object({
    uuid: z.string(),
    id: z.string(),
    token: z.string().describe('The secret, shown this once only'),
    name: z.string(),
    abilities: z.array(abilitySchema),
    expires_at: timestamp.nullable(),
  })
  .meta({ id: 'CreatedToken' })

export function tokenRoutes(app: Pick<App, 'tokens'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/tokens',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['tokens'],
          operationId: 'listTokens',
          summary: "List the team's active tokens (never their secrets)",
          response: { 200: json(z.object({ tokens: z.array(token) }), 'Active tokens, newest first') },
        },
      },
      async (request) => {
        return { tokens: await app.tokens.list(principalOf(request).teamId) }
      },
    )

    server.post(
      '/tokens',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['tokens'],
          operationId: 'createToken',
          summary: 'Create a token; its secret is shown once',
          body: createBody,
          response: { 201: json(createdToken, 'Created; `token` is the secret') },
        },
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
      {
        config: { ability: 'write' },
        schema: {
          tags: ['tokens'],
          operationId: 'revokeToken',
          summary: 'Revoke a token',
          params: idParam,
          response: { 204: noContent('Revoked'), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.tokens.revoke(p.teamId, request.params.id, actorOf(p))
        return reply.status(204).send()
      },
    )
  }
}
