import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { App } from '../app.js'
import { actorOf } from '../audit/audit.service.js'
import { hasAbility } from '../auth/principal.js'
import { principalOf } from '../http/auth-hook.js'
import { uuidParam } from '../http/schemas.js'
import { DATABASE_TYPES, TEMPLATES } from './templates.js'

const createBody = z.object({
  type: z.enum(DATABASE_TYPES),
  name: z.string().min(1).max(63),
  version: z.string().min(1).max(64).optional().describe('The image tag; each type has a default'),
  image: z.string().min(1).max(255).optional().describe('A full image reference, overriding type and version'),
  public_port: z.number().int().min(1).max(65535).optional().describe('Publish the database on this host port'),
  description: z.string().max(2000).optional(),
})

export function databaseRoutes(app: App): FastifyPluginAsyncZod {
  return async (server) => {
    // The create wizard offers these, so the UI never keeps its own copy of the templates.
    server.get(
      '/database-types',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['databases'],
          summary: 'The database types Berth can create, with their default image and port',
        },
      },
      async () => {
        return {
          types: DATABASE_TYPES.map((type) => ({
            type,
            default_version: TEMPLATES[type].defaultVersion,
            default_image: TEMPLATES[type].image(TEMPLATES[type].defaultVersion),
            port: TEMPLATES[type].port,
          })),
        }
      },
    )

    server.post(
      '/projects/:uuid/databases',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['databases'],
          summary: 'Create a standalone database (generated credentials, named volume, health check)',
          params: uuidParam,
          body: createBody,
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        return reply
          .status(201)
          .send(await app.databases.create(p.teamId, request.params.uuid, request.body, actorOf(p)))
      },
    )

    server.get(
      '/projects/:uuid/databases',
      {
        config: { ability: 'read' },
        schema: { tags: ['databases'], summary: "A project's databases", params: uuidParam },
      },
      async (request) => {
        const rows = await app.databases.listInProject(principalOf(request).teamId, request.params.uuid)
        return {
          databases: rows.map((r) => ({
            uuid: r.id,
            name: r.name,
            type: r.type,
            image: r.image,
            current_version: r.current_version,
            created_at: r.created_at,
          })),
        }
      },
    )

    server.get(
      '/databases/:uuid',
      {
        config: { ability: 'read' },
        schema: {
          tags: ['databases'],
          summary: 'A database; the connection string is masked without read:sensitive',
          params: uuidParam,
        },
      },
      async (request) => {
        const p = principalOf(request)
        return app.databases.get(p.teamId, request.params.uuid, hasAbility(p, 'read:sensitive'))
      },
    )

    server.delete(
      '/databases/:uuid',
      {
        config: { ability: 'write' },
        schema: {
          tags: ['databases'],
          summary:
            'Delete a database: its configuration now, its containers and volume by a queued removal deployment (its deployment history stays)',
          params: uuidParam,
        },
      },
      async (request, reply) => {
        const p = principalOf(request)
        const removal = await app.databases.remove(p.teamId, request.params.uuid, actorOf(p))
        return reply
          .status(202)
          .send({ ...removal, message: 'Database deleted; its containers and volume are being removed.' })
      },
    )
  }
}
