import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { uuidParam } from '../http/schemas.js'

const versionNumber = z.coerce.number().int().min(1)
const updateBody = z.object({
  yaml: z.string(),
  base_version: z.number().int().min(1),
  description: z.string().max(500).optional(),
})
const validateBody = z.object({ yaml: z.string().optional() })

export function composeRoutes(app: App): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/services/:uuid/compose',
      {
        config: { ability: 'read' },
        schema: { tags: ['compose'], summary: 'The current compose version, stored and rendered', params: uuidParam },
      },
      async (request) => {
        return app.compose.getCurrent(principalOf(request).teamId, request.params.uuid)
      },
    )

    server.put(
      '/services/:uuid/compose',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['compose'],
          summary: 'Save a new compose version based on base_version (409 when stale)',
          params: uuidParam,
          body: updateBody,
        },
      },
      async (request) => {
        const p = principalOf(request)
        const { yaml, base_version, description } = request.body
        return app.compose.update(
          p.teamId,
          request.params.uuid,
          { yaml, baseVersion: base_version, description },
          actorOf(p),
        )
      },
    )

    server.get(
      '/services/:uuid/compose/versions',
      {
        config: { ability: 'read' },
        schema: { tags: ['compose'], summary: 'Version history, newest first', params: uuidParam },
      },
      async (request) => {
        return app.compose.versions(principalOf(request).teamId, request.params.uuid)
      },
    )

    server.get(
      '/services/:uuid/compose/versions/:n',
      {
        config: { ability: 'read' },
        schema: { tags: ['compose'], summary: 'One version', params: uuidParam.extend({ n: versionNumber }) },
      },
      async (request) => {
        return app.compose.version(principalOf(request).teamId, request.params.uuid, request.params.n)
      },
    )

    server.get(
      '/services/:uuid/compose/diff',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['compose'],
          summary: 'Unified diff between two versions',
          params: uuidParam,
          querystring: z.object({
            from: versionNumber,
            to: versionNumber,
            rendered: z.enum(['true', 'false']).optional(),
          }),
        },
      },
      async (request) => {
        const { from, to, rendered } = request.query
        return app.compose.diff(principalOf(request).teamId, request.params.uuid, from, to, rendered === 'true')
      },
    )

    server.post(
      '/services/:uuid/compose/rollback',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['compose'],
          summary: 'Append a version equal to version N',
          params: uuidParam,
          body: z.object({ version: z.number().int().min(1), base_version: z.number().int().min(1).optional() }),
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const written = await app.compose.rollback(
          p.teamId,
          request.params.uuid,
          { version: request.body.version, baseVersion: request.body.base_version },
          actorOf(p),
        )
        return reply.status(201).send(written)
      },
    )

    server.post(
      '/services/:uuid/compose/validate',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['compose'],
          summary: 'Validate a proposed (or the current) file, including with `docker compose config`',
          params: uuidParam,
          body: validateBody,
        },
      },
      async (request) => {
        return app.composeValidation.validate(principalOf(request).teamId, request.params.uuid, request.body.yaml)
      },
    )
  }
}
