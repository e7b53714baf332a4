import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json, noContent } from '../http/responses.js'
import { idParam } from '../http/schemas.js'
import { createRegistryInput, registryView, updateRegistryInput } from './registries.types.js'

const TAGS = ['registries']

export function registryRoutes(app: Pick<App, 'registries'>): FastifyPluginAsyncZod {
  return async (server) => {
    server.get(
      '/registry-credentials',
      {
        config: { ability: 'read' },
        schema: {
          tags: TAGS,
          operationId: 'listRegistryCredentials',
          summary: "The team's private registry logins (passwords never shown)",
          response: {
            200: json(
              z.object({ registries: z.array(registryView) }).meta({ id: 'RegistryCredentialList' }),
              'By host',
            ),
          },
        },
      },
      async (request) => ({ registries: await app.registries.list(principalOf(request).teamId) }),
    )

    server.post(
      '/registry-credentials',
      {
        config: { ability: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'createRegistryCredential',
          summary: "Add a login to a private image registry; the team's deployments pull with it",
          body: createRegistryInput,
          response: { 201: json(registryView, 'Created'), ...errorResponses(409) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        return reply.status(201).send(await app.registries.create(p.teamId, request.body, actorOf(p)))
      },
    )

    server.patch(
      '/registry-credentials/:id',
      {
        config: { ability: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'updateRegistryCredential',
          summary: 'Change the username or the password of a registry login (omitted fields are kept)',
          params: idParam,
          body: updateRegistryInput,
          response: { 200: json(registryView, 'Updated'), ...errorResponses(404) },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return app.registries.update(p.teamId, request.params.id, request.body, actorOf(p))
      },
    )

    server.delete(
      '/registry-credentials/:id',
      {
        config: { ability: 'write' },
        schema: {
          tags: TAGS,
          operationId: 'deleteRegistryCredential',
          summary: 'Remove a registry login (later pulls from that registry go without it)',
          params: idParam,
          response: { 204: noContent('Removed'), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.registries.remove(p.teamId, request.params.id, actorOf(p))
        return reply.status(204).send()
      },
    )
  }
}
