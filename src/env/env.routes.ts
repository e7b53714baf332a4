import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { hasAbility } from '../auth/principal.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json, noContent, timestamp } from '../http/responses.js'
import { uuidParam } from '../http/schemas.js'

const putBody = z.record(z.string(), z.object({ value: z.string().max(65536), secret: z.boolean().optional() }))

const envVariable = z
  .object({
    value: z.string().describe('The value, or a mask when `masked`'),
    secret: z.boolean(),
    masked: z.boolean().describe('True when the caller lacks read:sensitive and the value is a secret'),
    updated_at: timestamp,
  })
  .meta({ id: 'EnvVariable' })
const envList = z.object({ env: z.record(z.string(), envVariable) }).meta({ id: 'EnvList' })

export function envRoutes(app: Pick<App, 'env'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/services/:uuid/env',
      {
        config: { ability: 'read', servedByReaders: true },
        schema: {
          tags: ['env'],
          operationId: 'listEnv',
          summary: 'Environment variables; secret values are masked without read:sensitive',
          params: uuidParam,
          response: { 200: json(envList, 'Variables by name'), ...errorResponses(404) },
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
          operationId: 'setEnv',
          summary: 'Set the named variables, leaving the others unchanged',
          params: uuidParam,
          body: putBody,
          response: { 200: json(envList, 'Every variable after the change'), ...errorResponses(404) },
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
          operationId: 'deleteEnv',
          summary: 'Remove one variable',
          params: uuidParam.extend({ key: z.string().min(1).max(255) }),
          response: { 204: noContent('Removed'), ...errorResponses(404) },
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
