import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json } from '../http/responses.js'
import { uuidParam, versionInput } from '../http/schemas.js'
import { parameterSchema, savedVersionSchema } from './compose.types.js'

const parameterChange = z
  .object({ type: z.enum(['string', 'integer', 'boolean', 'json']), value: z.unknown() })
  .nullable()
const putBody = z.object({
  parameters: z.record(z.string(), parameterChange),
  base_version: versionInput.optional(),
})

const parameterList = z
  .object({ version: z.number().int(), parameters: z.array(parameterSchema) })
  .meta({ id: 'ParameterList' })
const savedParameters = savedVersionSchema
  .extend({ parameters: z.array(parameterSchema) })
  .meta({ id: 'SavedParameters', description: 'The compose version written and the parameters it renders with' })

export function parameterRoutes(app: Pick<App, 'parameters'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/services/:uuid/parameters',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['parameters'],
          operationId: 'listParameters',
          summary: 'Typed parameters the compose file renders with',
          params: uuidParam,
          response: { 200: json(parameterList, 'The parameters by name'), ...errorResponses(404) },
        },
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
          operationId: 'setParameters',
          summary: 'Set (or, with null, remove) named parameters; writes a new compose version',
          params: uuidParam,
          body: putBody,
          response: { 200: json(savedParameters, 'Saved'), ...errorResponses(404, 409, 422) },
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
