import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { z } from 'zod'
import { errorResponses, json, noContent } from '../http/responses.js'
import { idParam, uuidParam } from '../http/schemas.js'
import { middlewareView } from './config/middlewares.service.js'
import { middlewareInput, middlewarePatch, middlewareSchema } from './proxy.schemas.js'

export function middlewareRoutes(app: Pick<App, 'middlewares'>): FastifyPluginAsyncZod {
  return async (server) => {
    const tags = ['proxy']
    server.get(
      '/projects/:uuid/middlewares',
      {
        config: { ability: 'read' },
        schema: {
          tags,
          operationId: 'listMiddlewares',
          summary: "A project's middlewares (basic-auth users by name only)",
          params: uuidParam,
          response: {
            200: json(z.object({ middlewares: z.array(middlewareSchema) }), 'Its middlewares'),
            ...errorResponses(404),
          },
        },
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
          operationId: 'createMiddleware',
          summary: 'Add a middleware; its config is validated per type',
          params: uuidParam,
          body: middlewareInput,
          response: { 201: json(middlewareSchema, 'Added'), ...errorResponses(404, 409, 422) },
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
        schema: {
          tags,
          operationId: 'updateMiddleware',
          summary: 'Rename a middleware or replace its config',
          params: idParam,
          body: middlewarePatch,
          response: { 200: json(middlewareSchema, 'The changed middleware'), ...errorResponses(404, 409, 422) },
        },
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
        schema: {
          tags,
          operationId: 'deleteMiddleware',
          summary: 'Delete a middleware no route uses (409 otherwise)',
          params: idParam,
          response: { 204: noContent('Deleted'), ...errorResponses(404, 409, 422) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.middlewares.remove(p.teamId, request.params.id, actorOf(p))
        return reply.status(204).send()
      },
    )
  }
}
