import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { idParam, uuidParam } from '../http/schemas.js'
import { domainView } from './config/domains.service.js'
import { domainInput, domainPatch, routeInput, routePatch } from './proxy.schemas.js'
import { routeView } from './config/routes.service.js'

export function domainRoutes(app: App): FastifyPluginAsyncZod {
  return async (server) => {
    const tags = ['proxy']
    server.get(
      '/projects/:uuid/domains',
      { config: { ability: 'read' }, schema: { tags, summary: "A project's domains", params: uuidParam } },
      async (request) => {
        return { domains: (await app.domains.list(principalOf(request).teamId, request.params.uuid)).map(domainView) }
      },
    )

    server.post(
      '/projects/:uuid/domains',
      {
        config: { ability: 'write' },
        schema: {
          tags,
          summary: 'Add a domain (IDN converted to punycode; 409 domain_taken if in use)',
          params: uuidParam,
          body: domainInput,
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        return reply
          .status(201)
          .send(domainView(await app.domains.create(p.teamId, request.params.uuid, request.body, actorOf(p))))
      },
    )

    server.get(
      '/domains/:id',
      { config: { ability: 'read' }, schema: { tags, summary: 'A domain', params: idParam } },
      async (request) => {
        return domainView(await app.domains.get(principalOf(request).teamId, request.params.id))
      },
    )

    server.patch(
      '/domains/:id',
      {
        config: { ability: 'write' },
        schema: { tags, summary: 'Change a domain (live without redeploying)', params: idParam, body: domainPatch },
      },
      async (request) => {
        const p = principalOf(request)
        return domainView(await app.domains.update(p.teamId, request.params.id, request.body, actorOf(p)))
      },
    )

    server.delete(
      '/domains/:id',
      { config: { ability: 'write' }, schema: { tags, summary: 'Delete a domain and its routes', params: idParam } },
      async (request, reply) => {
        const p = principalOf(request)
        await app.domains.remove(p.teamId, request.params.id, actorOf(p))
        return reply.status(204).send()
      },
    )

    server.get(
      '/domains/:id/routes',
      { config: { ability: 'read' }, schema: { tags, summary: "A domain's routes", params: idParam } },
      async (request) => {
        return { routes: (await app.routes.list(principalOf(request).teamId, request.params.id)).map(routeView) }
      },
    )

    server.post(
      '/domains/:id/routes',
      {
        config: { ability: 'write' },
        schema: { tags, summary: 'Add a route to a domain', params: idParam, body: routeInput },
      },
      async (request, reply) => {
        const p = principalOf(request)
        return reply
          .status(201)
          .send(routeView(await app.routes.create(p.teamId, request.params.id, request.body, actorOf(p))))
      },
    )

    server.patch(
      '/routes/:id',
      {
        config: { ability: 'write' },
        schema: { tags, summary: 'Change a route (live without redeploying)', params: idParam, body: routePatch },
      },
      async (request) => {
        const p = principalOf(request)
        return routeView(await app.routes.update(p.teamId, request.params.id, request.body, actorOf(p)))
      },
    )

    server.delete(
      '/routes/:id',
      { config: { ability: 'write' }, schema: { tags, summary: 'Delete a route', params: idParam } },
      async (request, reply) => {
        const p = principalOf(request)
        await app.routes.remove(p.teamId, request.params.id, actorOf(p))
        return reply.status(204).send()
      },
    )
  }
}
