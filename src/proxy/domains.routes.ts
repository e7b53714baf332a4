import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { principalOf } from '../http/auth-hook.js'
import { errorResponses, json, noContent } from '../http/responses.js'
import { idParam, uuidParam } from '../http/schemas.js'
import { domainView } from './config/domains.service.js'
import { z } from 'zod'
import { domainInput, domainPatch, domainSchema, proxyRouteSchema, routeInput, routePatch } from './proxy.schemas.js'
import { routeView } from './config/routes.service.js'

export function domainRoutes(app: Pick<App, 'domains' | 'routes'>): FastifyPluginAsyncZod {
  return async (server) => {
    const tags = ['proxy']
    server.get(
      '/projects/:uuid/domains',
      {
        config: { ability: 'read' },
        schema: {
          tags,
          operationId: 'listDomains',
          summary: "A project's domains",
          params: uuidParam,
          response: { 200: json(z.object({ domains: z.array(domainSchema) }), 'Its domains'), ...errorResponses(404) },
        },
      },
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
          operationId: 'createDomain',
          summary: 'Add a domain (IDN converted to punycode; 409 domain_taken if in use)',
          params: uuidParam,
          body: domainInput,
          response: { 201: json(domainSchema, 'Added'), ...errorResponses(404, 409, 422) },
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
      {
        config: { ability: 'read' },
        schema: {
          tags,
          operationId: 'getDomain',
          summary: 'A domain',
          params: idParam,
          response: { 200: json(domainSchema, 'The domain'), ...errorResponses(404) },
        },
      },
      async (request) => {
        return domainView(await app.domains.get(principalOf(request).teamId, request.params.id))
      },
    )

    server.patch(
      '/domains/:id',
      {
        config: { ability: 'write' },
        schema: {
          tags,
          operationId: 'updateDomain',
          summary: 'Change a domain (live without redeploying)',
          params: idParam,
          body: domainPatch,
          response: { 200: json(domainSchema, 'The changed domain'), ...errorResponses(404, 409, 422) },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return domainView(await app.domains.update(p.teamId, request.params.id, request.body, actorOf(p)))
      },
    )

    server.delete(
      '/domains/:id',
      {
        config: { ability: 'write' },
        schema: {
          tags,
          operationId: 'deleteDomain',
          summary: 'Delete a domain and its routes',
          params: idParam,
          response: { 204: noContent('Deleted'), ...errorResponses(404, 422) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.domains.remove(p.teamId, request.params.id, actorOf(p))
        return reply.status(204).send()
      },
    )

    server.get(
      '/domains/:id/routes',
      {
        config: { ability: 'read' },
        schema: {
          tags,
          operationId: 'listRoutes',
          summary: "A domain's routes",
          params: idParam,
          response: {
            200: json(z.object({ routes: z.array(proxyRouteSchema) }), 'Its routes'),
            ...errorResponses(404),
          },
        },
      },
      async (request) => {
        return { routes: (await app.routes.list(principalOf(request).teamId, request.params.id)).map(routeView) }
      },
    )

    server.post(
      '/domains/:id/routes',
      {
        config: { ability: 'write' },
        schema: {
          tags,
          operationId: 'createRoute',
          summary: 'Add a route to a domain',
          params: idParam,
          body: routeInput,
          response: { 201: json(proxyRouteSchema, 'Added'), ...errorResponses(404, 422) },
        },
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
        schema: {
          tags,
          operationId: 'updateRoute',
          summary: 'Change a route (live without redeploying)',
          params: idParam,
          body: routePatch,
          response: { 200: json(proxyRouteSchema, 'The changed route'), ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const p = principalOf(request)
        return routeView(await app.routes.update(p.teamId, request.params.id, request.body, actorOf(p)))
      },
    )

    server.delete(
      '/routes/:id',
      {
        config: { ability: 'write' },
        schema: {
          tags,
          operationId: 'deleteRoute',
          summary: 'Delete a route',
          params: idParam,
          response: { 204: noContent('Deleted'), ...errorResponses(404, 422) },
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        await app.routes.remove(p.teamId, request.params.id, actorOf(p))
        return reply.status(204).send()
      },
    )
  }
}
