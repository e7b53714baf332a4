import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { idParam, uuidParam } from '../http/schemas.js'
import { middlewareView } from './config/middlewares.service.js'
import { middlewareInput, middlewarePatch } from './proxy.schemas.js'

export function middlewareRoutes(app: App): FastifyPluginAsyncZod {
  return async (server) => {
    const tags = ['proxy']
    server.get(
      '/projects/:uuid/middlewares',
      {
        config: { ability: 'read' },
        schema: { tags, summary: "A project's middlewares (basic-auth users by name only)", params: uuidParam },
      },
      async (request) => {
        return {
          middlewares: (await app.middlewares.list(principalOf(request).teamId, request.params.uuid)).map(
            middlewareView,
          ),
        }
      },
    )

    server.post(
      '/projects/:uuid/middlewares',
      {
        config: { ability: 'write' },
        schema: {
          tags,
          summary: 'Add a middleware; its config is validated per type',
          params: uuidParam,
          body: middlewareInput,
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        return reply
          .status(201)
          .send(middlewareView(await app.middlewares.create(p.teamId, request.params.uuid, request.body, actorOf(p))))
      },
    )

    server.patch(
      '/middlewares/:id',
      {
        config: { ability: 'write' },
        schema: { tags, summary: 'Rename a middleware or replace its config', params: idParam, body: middlewarePatch },
      },
      async (request) => {
        const p = principalOf(request)
        return middlewareView(await app.middlewares.update(p.teamId, request.params.id, request.body, actorOf(p)))
      },
    )

    server.delete(
      '/middlewares/:id',
      {
        config: { ability: 'write' },
        schema: { tags, summary: 'Delete a middleware no route uses (409 otherwise)', params: idParam },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.middlewares.remove(p.teamId, request.params.id, actorOf(p))
        return reply.status(204).send()
      },
    )
  }
}
